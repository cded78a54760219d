"""The gis_command data generator: ``python -m harness.tasks.gis_command.datagen [OUT_DIR]`` rebuilds ``data/*.jsonl``.

Runs from a checkout only (not part of the wheel). ``generate`` is the entry point (seed, counts, splits,
writing); ``pools`` holds the value pools, ``samplers`` one sampler per command, ``families`` the phrasing
templates (a template table) and ``phrasing`` the rendering and the ID phrasing patterns.
"""
