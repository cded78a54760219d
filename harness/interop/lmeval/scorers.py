"""How the exported ``utils.py`` scores each built-in task, and why the metrics it cannot compute are left out.

This is the one place of the export that knows the built-in task classes: each gets a ``process_<task>``
function in ``lm_eval_utils.py`` giving exactly harness's per-sample values (tests/test_lmeval_export.py
holds the two together).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.task import Task
from harness.types import Example

CORPUS = "a ratio over the whole split (harness.metrics.classification), not a mean of per-sample values"
LEFT_OUT_REASONS = {
    "schema_valid": "JSON Schema validation (the draft its $schema names, format checks) needs jsonschema",
    "ast_accuracy": "the BFCL-style AST check (schema types, BFCL string normalisation, order-free parallel calls) "
    "is not ported to the standard library",
    "ece": "needs each answer's probability, which lm-eval's generate_until does not return",
    **dict.fromkeys(
        ("macro_f1", "micro_f1", "hamming_loss", "oos_recall", "oos_precision", "in_scope_accuracy"), CORPUS
    ),
}


def compact(value: Any) -> str:
    """A JSON value as the one-line text the docs hold (key order kept, UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Scorer:
    """How utils.py scores a built-in task: its function, what it returns, and the doc fields it reads."""

    process: str
    metrics: tuple[str, ...]
    fields: Callable[[Task, Example], dict[str, str]] = lambda task, example: {}


def builtin_scorers() -> dict[type, Scorer]:
    """The utils.py scorer of each built-in task class (a subclass may score differently: it gets none)."""
    from harness.tasks.function_calling.task import FunctionCallingTask
    from harness.tasks.gis_command.task import GisCommandTask
    from harness.tasks.intent.task import IntentTask
    from harness.tasks.schema_json.task import SchemaJsonTask

    return {
        SchemaJsonTask: Scorer(
            "process_schema_json",
            ("json_parse", "exact_match", "field_accuracy"),
            lambda task, example: {"schema": compact(example.inputs["schema"])},
        ),
        GisCommandTask: Scorer(
            "process_gis_command", ("exact_match", "levenshtein", "rouge1", "rougeL", "call_accuracy", "parse_rate")
        ),
        FunctionCallingTask: Scorer(
            "process_function_calling",
            ("name_accuracy", "parse_rate"),
            lambda task, example: {"tools": compact(example.inputs["tools"])},
        ),
        IntentTask: Scorer(
            "process_intent",
            ("accuracy", "subset_accuracy"),
            lambda task, example: {"labels": compact(list(task.labels(example) or {}))},
        ),
    }
