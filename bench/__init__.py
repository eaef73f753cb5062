"""Benchmarks, not tests: each module runs with `python -m bench.<name>` from the repo root."""
