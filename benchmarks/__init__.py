"""Benchmarks for Mojaz: answer quality, search speed and scale, reload, and the bot end to end (issue 5).

Run with ``python -m benchmarks`` (or ``make bench``); see ``benchmarks/cli.py``.
"""
