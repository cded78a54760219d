"""The schema_json data generator: ``python -m harness.tasks.schema_json.datagen [OUT_DIR]`` rebuilds ``data/*.jsonl``.

Runs from a checkout only (not part of the wheel). ``generate`` is the entry point (seed, counts, checks,
writing); ``gen_common`` holds the schema builders and the Template/Spec/render machinery, ``gen_values`` the
value pools and phrasing helpers, ``specs_id_*`` and ``specs_ood_*`` the schemas (template tables).
"""
