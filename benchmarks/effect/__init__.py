"""The effect benchmark behind ``benchmarks/lt_effect.py``: experiments,
runner, report."""
