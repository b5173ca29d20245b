"""Benchmarks (not tests): run them as modules, e.g. ``python -m bench.seed_bulk``."""
