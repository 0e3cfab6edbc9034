"""Who may do what: API keys with scopes, UI sessions, and the audit trail of every write (issue 13).

Core-level (no server imports): the CLI administers keys and reads the audit log straight from a database, and the
server checks keys and records its writes through the same functions.
"""
