"""Lineage-aware retention: policies (policy.py), what they would delete (plan.py), deleting it (purge.py), pins."""
