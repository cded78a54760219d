"""The built-in task plugins, one folder each: ``task.py``, a ``README.md`` card and ``data/*.jsonl``.

This folder is installed as ``harness.tasks`` (pyproject's ``package-dir``): import it by that name, never as
``tasks``. Each task's ``datagen/`` rebuilds its data from a checkout and is not part of the wheel.
"""
