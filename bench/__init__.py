"""Benchmarks and simulations: `make bench`. Never part of the test run; JSON output."""
