"""Live updates: the Subscription root type and the per-process feed of newly stored runs."""
