"""Benchmarks: speed goals live here as figures and ratios printed as tables, never as test assertions."""
