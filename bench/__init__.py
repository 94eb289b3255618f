"""Benchmarks for mentorflow (not shipped in the wheel). Run one with ``python -m bench.<name>``."""
