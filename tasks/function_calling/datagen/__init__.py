"""The function_calling data generator: ``python -m harness.tasks.function_calling.datagen [OUT_DIR]`` rebuilds data.

Runs from a checkout only (not part of the wheel). ``generate`` composes the requests and writes
``data/*.jsonl``; ``toolspec`` defines tools and asks (``python -m harness.tasks.function_calling.datagen.toolspec``
checks every domain); ``domains/`` holds the tools of each domain (template tables).
"""
