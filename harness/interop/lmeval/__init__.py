"""Bridges to lm-evaluation-harness: export our tasks as lm-eval tasks (``export.py``)."""
