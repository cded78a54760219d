"""The intent data generator: ``python -m harness.tasks.intent.datagen [OUT_DIR]`` rebuilds ``data/*.jsonl``.

Runs from a checkout only (not part of the wheel). ``generate`` is the entry point (checks, writing);
``splits`` assembles the splits from ``values`` (slot pools), ``spec`` and ``specs_*`` (the intents'
phrasings), ``out_of_scope`` (out-of-scope templates) and ``render`` (decoration and compositions);
``checks`` holds the checks the files must pass.
"""
