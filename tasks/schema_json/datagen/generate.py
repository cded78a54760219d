"""Regenerate the built-in schema_json data: ``python -m harness.tasks.schema_json.datagen [OUT_DIR]``.

Deterministic: every schema draws from its own ``random.Random`` seeded with ``SEED`` and the schema name,
so the committed files are reproduced byte for byte. Each schema (see ``ID_SPECS`` and ``OOD_SPECS``)
has a sampler returning the target and the strings that show its values in text, and several phrasing
templates; body pieces are shuffled, so field order varies, and a piece naming an absent optional
field is dropped, so the text mentions exactly the fields of the target.

Layout: ``gen_common`` holds the schema builders and the Template/Spec/render machinery (and how
display keys name target paths), ``gen_values`` the value pools and phrasing helpers,
``specs_id_a``/``_b``/``_c`` the in-distribution schemas and ``specs_ood_a``/``_b`` the
out-of-distribution ones; this module checks and writes the files.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from harness.metrics.structured import schema_features, schema_problem, validation_error
from harness.tasks.schema_json.datagen.gen_common import Spec, Target, ordered, render
from harness.tasks.schema_json.datagen.specs_id_a import ID_SPECS_A
from harness.tasks.schema_json.datagen.specs_id_b import ID_SPECS_B
from harness.tasks.schema_json.datagen.specs_id_c import ID_SPECS_C
from harness.tasks.schema_json.datagen.specs_ood_a import OOD_SPECS_A
from harness.tasks.schema_json.datagen.specs_ood_b import OOD_SPECS_B

SEED = 20250601
ID_PER_SCHEMA = {"train": 50, "test": 15}
OOD_PER_SCHEMA = 15
MAX_TARGET_CHARS = 400  # about 100 tokens of compact JSON
DATA_DIR = Path(__file__).parent.parent / "data"

ID_SPECS: tuple[Spec, ...] = (*ID_SPECS_A, *ID_SPECS_B, *ID_SPECS_C)
OOD_SPECS: tuple[Spec, ...] = (*OOD_SPECS_A, *OOD_SPECS_B)


# ---- writing the files --------------------------------------------------------------------------


def check_spec(spec: Spec) -> None:
    """Fail loudly when a spec's schema is not valid under its own draft."""
    problem = schema_problem(spec.schema)
    if problem:
        raise AssertionError(f"{spec.name}: invalid schema: {problem}")


def check_target(spec: Spec, target: Target) -> None:
    """Fail loudly when a target does not validate or is too long."""
    problem = validation_error(spec.schema, target)
    if problem:
        raise AssertionError(f"{spec.name}: target does not validate: {problem}: {target}")
    size = len(json.dumps(target, ensure_ascii=False, separators=(",", ":")))
    if size > MAX_TARGET_CHARS:
        raise AssertionError(f"{spec.name}: target of {size} characters exceeds {MAX_TARGET_CHARS}: {target}")


def spec_records(spec: Spec, counts: dict[str, int], tags: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """``counts[split]`` records of one schema per split, no text repeated within or across its splits."""
    check_spec(spec)
    rng = random.Random(f"{SEED}:{spec.name}")
    seen: set[str] = set()
    records: dict[str, list[dict[str, Any]]] = {}
    all_tags = list(dict.fromkeys([*tags, *schema_features(spec.schema)]))
    for split, count in counts.items():
        rows: list[dict[str, Any]] = []
        for _attempt in range(count * 20):
            if len(rows) == count:
                break
            target, display = spec.sample(rng)
            target = ordered(target, spec.schema)
            text = render(rng, spec, target, display)
            if text in seen:
                continue
            seen.add(text)
            check_target(spec, target)
            rows.append(
                {
                    "id": f"{spec.name}-{split}-{len(rows):03d}",
                    "split": split,
                    "tags": all_tags,
                    "text": text,
                    "schema": spec.schema,
                    "target": target,
                }
            )
        if len(rows) < count:
            raise AssertionError(f"{spec.name}: only {len(rows)} distinct texts for {split}, wanted {count}")
        records[split] = rows
    return records


def build() -> dict[str, list[dict[str, Any]]]:
    """Every split's records, sorted by id."""
    names = [spec.name for spec in (*ID_SPECS, *OOD_SPECS)]
    if len(set(names)) != len(names):
        raise AssertionError("schema names repeat")
    titles = {spec.schema["title"] for spec in ID_SPECS} & {spec.schema["title"] for spec in OOD_SPECS}
    if titles:
        raise AssertionError(f"schemas in both ID and OOD: {sorted(titles)}")
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "test": [], "ood": []}
    for spec in ID_SPECS:
        for split, rows in spec_records(spec, ID_PER_SCHEMA, ()).items():
            splits[split].extend(rows)
    for spec in OOD_SPECS:
        splits["ood"].extend(spec_records(spec, {"ood": OOD_PER_SCHEMA}, ("ood",))["ood"])
    return {split: sorted(rows, key=lambda row: row["id"]) for split, rows in splits.items()}


def main(argv: list[str] | None = None) -> int:
    """Write ``{train,test,ood}.jsonl`` to OUT_DIR (default: the task's data folder)."""
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else DATA_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, rows in build().items():
        lines = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
        with (out_dir / f"{split}.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
        print(f"{split}: {len(rows)} examples", file=sys.stderr)
    return 0
