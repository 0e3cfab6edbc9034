"""The ``mltrace`` command line."""
