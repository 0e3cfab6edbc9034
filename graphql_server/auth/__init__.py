"""Access control for every route (issue 13): who is asking (gate.py), what GraphQL operations need
(access_check.py), cross-site request rules for cookie sessions (csrf.py) and the sign-in routes (session_routes.py).
"""
