"""Benchmarks: `python -m benchmarks` (or `make bench`) runs them all and writes benchmarks/RESULTS.md.

Each benchmark is bounded in time, talks only to 127.0.0.1, and uses whatever parts of the app
exist (a missing piece is reported as "not available yet" instead of failing the run).
"""
