"""Benchmarks: aduana against Postfix with no milter and with a no-op milter.

Run ``python -m bench.run --help``; docs/performance.md explains what is measured.
"""
