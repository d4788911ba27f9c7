"""Benchmarks (not tests): each prints a Markdown table comparing sla_timers with its peers.

Run one as a script, e.g. ``.venv/bin/python bench/clock.py --quick``.
"""
