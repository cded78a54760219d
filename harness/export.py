"""Per-sample export of a stored run as JSON lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.store import Store


def export_samples(db: str | Path, run_ref: str, out_path: str | Path) -> int:
    """Write one line per sample of a run (id or label); returns the number written.

    Each line: ``{id, split, tags, input, target, output, parsed, scores, error, latency_ms,
    tokens_in, tokens_out}``. The file is written atomically.
    """
    store = Store(db, read_only=True)
    run = store.resolve_run(run_ref)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for row in store.iter_samples(run.run_id):
            record = {
                "id": row["example_id"],
                "split": row["split"],
                "tags": list(row["tags"] or []),
                "input": row["input"],
                "target": row["target"],
                "output": row["output"],
                "parsed": row["parsed"],
                "scores": row["scores"],
                "error": row["error"],
                "latency_ms": row["latency_ms"],
                "tokens_in": row["tokens_in"],
                "tokens_out": row["tokens_out"],
            }
            if row["meta"] and "tool_calls" in row["meta"]:
                record["tool_calls"] = row["meta"]["tool_calls"]
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    os.replace(tmp, out_path)
    return count
