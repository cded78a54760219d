"""schema_json: extract a JSON object from a text so that it conforms to a given JSON Schema.

Records also come without text and target (``--data`` with a ``schema`` or a ``json_schema`` string,
as in JSONSchemaBench): the model is then asked for any instance of the schema, and only
``json_parse`` and ``schema_valid`` are scored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.data import record_split, require
from harness.data import record_tags as own_tags
from harness.errors import BadInput
from harness.metrics.structured import (
    extract_json,
    field_accuracy,
    schema_features,
    schema_problem,
    validation_error,
    values_equal,
)
from harness.task import RenderOptions, Task
from harness.types import Example, Response, Scored, canonical_json, content_hash

EXTRACT_MAX_TOKENS = 256
# Instances of a user's schema have no size bound we know of; leave more room.
INSTANCE_MAX_TOKENS = 512
SCHEMA_ONLY_TAG = "schema_only"
MAX_WRONG_FIELDS = 10
# Failure kinds (details.error_type) that are the constrained decoder's, not the model's.
BUDGET_CUT = "budget_cut"
GRAMMAR_MISMATCH = "grammar_mismatch"

SYSTEM_PROMPT = "You turn text into JSON that conforms to a JSON Schema. You reply with JSON only."
EXTRACT_PROMPT = (
    "Extract the information in the text into a JSON object that conforms to the JSON Schema. "
    "Include only fields the text states. Answer with the JSON object only, no prose.\n\n"
    "JSON Schema:\n{schema}\n\nText:\n{text}"
)
INSTANCE_PROMPT = (
    "Write one realistic JSON value that conforms to the JSON Schema. Answer with the JSON only, no prose.\n\n"
    "JSON Schema:\n{schema}"
)


def compact_json(value: Any) -> str:
    """The one textual form of schemas in prompts and of targets: compact, key order kept, UTF-8."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def record_schema(record: dict[str, Any], where: str) -> dict[str, Any]:
    """The record's JSON Schema, from ``schema`` (object or JSON string) or ``json_schema``, checked."""
    field = "schema" if record.get("schema") is not None else "json_schema"
    if record.get(field) is None:
        raise BadInput(f"{where}: missing field 'schema' (a JSON Schema object, or a 'json_schema' string)")
    value = record[field]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{where}: field '{field}' is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise BadInput(f"{where}: field '{field}' must be a JSON Schema object, got {type(value).__name__}")
    problem = schema_problem(value)
    if problem:
        raise BadInput(f"{where}: field '{field}' is not a valid JSON Schema ({problem})")
    return value


def record_tags(record: dict[str, Any], schema: dict[str, Any], where: str, schema_only: bool) -> tuple[str, ...]:
    """The record's own tags, then the schema's features (and ``schema_only`` when there is no text)."""
    extra = [SCHEMA_ONLY_TAG] if schema_only else []
    return tuple(dict.fromkeys([*own_tags(record, where), *schema_features(schema), *extra]))


def record_id(record: dict[str, Any], inputs: dict[str, Any], target: Any) -> str:
    """The record's ``id`` (or JSONSchemaBench's ``unique_id``), else a hash of its content."""
    for field in ("id", "unique_id"):
        if record.get(field) not in (None, ""):
            return str(record[field])
    return f"schema_json-{content_hash({'inputs': inputs, 'target': target})}"


def failure_kind(response: Response, parsed_ok: bool) -> str:
    """Why an answer is not schema-valid, telling the grammar's failures from the model's.

    ``budget_cut``: a constrained row stopped at its token budget (the grammar allowed the loop);
    ``grammar_mismatch``: a constrained row that finished and still does not validate (the grammar did
    not express the schema: see the sample's ``grammar_ignored``/``grammar_approximated``);
    ``no_json``/``schema_violation``: free decoding (or a schema the engine refused) gave no JSON value or
    an invalid one.
    """
    if response.meta.get("constrained"):
        return BUDGET_CUT if response.meta.get("truncated") else GRAMMAR_MISMATCH
    return "schema_violation" if parsed_ok else "no_json"


class SchemaJsonTask(Task):
    """Text → JSON conforming to a JSON Schema; schema validity is the headline."""

    name = "schema_json"
    version = "1.0"
    splits = ("train", "test", "ood")
    primary_metric = "schema_valid"
    description = "Extract a JSON object from a text so that it conforms to a given JSON Schema."
    data_dir = Path(__file__).parent / "data"

    def from_record(self, record: dict[str, Any], where: str, default_split: str) -> Example:
        """A record with ``schema``, ``text`` and ``target``, or a schema alone (any instance is asked for)."""
        schema = record_schema(record, where)
        inputs: dict[str, Any] = {"schema": schema}
        target = None
        if record.get("text") is not None:
            inputs = {"text": require(record, "text", where, str), "schema": schema}
            target = require(record, "target", where)
            problem = validation_error(schema, target)
            if problem:
                raise BadInput(f"{where}: field 'target' does not conform to its schema ({problem})")
        elif record.get("target") is not None:
            raise BadInput(f"{where}: missing field 'text' (the text the 'target' is extracted from)")
        split = record_split(record, where, default_split)
        tags = record_tags(record, schema, where, schema_only="text" not in inputs)
        return Example(record_id(record, inputs, target), split, inputs, target, tags)

    def system_prompt(self, example: Example, opts: RenderOptions) -> str | None:
        """A short instruction to answer in JSON only."""
        return SYSTEM_PROMPT

    def user_prompt(self, example: Example, opts: RenderOptions) -> str:
        """The schema as compact JSON and the text (or, for a schema alone, a request for an instance)."""
        schema = compact_json(example.inputs["schema"])
        if "text" not in example.inputs:
            return INSTANCE_PROMPT.format(schema=schema)
        return EXTRACT_PROMPT.format(schema=schema, text=example.inputs["text"])

    def target_text(self, example: Example) -> str:
        """The target as compact JSON; empty for a schema-only record, which has no reference answer."""
        return compact_json(example.target) if "text" in example.inputs else ""

    def request_options(self, example: Example, opts: RenderOptions) -> dict[str, Any]:
        """The schema as ``response_schema``, the constrained flag, and room for the answer."""
        max_tokens = EXTRACT_MAX_TOKENS if "text" in example.inputs else INSTANCE_MAX_TOKENS
        return {"max_tokens": max_tokens, "response_schema": example.inputs["schema"], "constrained": opts.constrained}

    def score(self, example: Example, response: Response) -> Scored:
        """json_parse, schema_valid and, when there is a target, field_accuracy and exact_match."""
        has_target = "text" in example.inputs
        metrics = ("json_parse", "schema_valid", "field_accuracy", "exact_match")[: 4 if has_target else 2]
        if response.error:
            return Scored(dict.fromkeys(metrics, 0.0), details={"error": response.error})
        parsed = extract_json(response.text)
        if not parsed.ok:
            kind = failure_kind(response, parsed_ok=False)
            return Scored(dict.fromkeys(metrics, 0.0), details={"extraction": parsed.how, "error_type": kind})
        problem = validation_error(example.inputs["schema"], parsed.value)
        scores = {"json_parse": 1.0, "schema_valid": 0.0 if problem else 1.0}
        details: dict[str, Any] = {"extraction": parsed.how}
        if problem:
            details["validation_error"] = problem
            details["error_type"] = failure_kind(response, parsed_ok=True)
        if has_target:
            accuracy, wrong = field_accuracy(example.target, parsed.value)
            scores["field_accuracy"] = accuracy
            scores["exact_match"] = 1.0 if values_equal(example.target, parsed.value) else 0.0
            if wrong:
                details["wrong_fields"] = wrong[:MAX_WRONG_FIELDS]
        return Scored(scores, parsed=parsed.value, details=details)

    def canonical_answer(self, example: Example, response: Response) -> str | None:
        """The parsed JSON with sorted keys and no whitespace; None when no JSON value was found."""
        if response.error:
            return None
        parsed = extract_json(response.text)
        return canonical_json(parsed.value) if parsed.ok else None

    def verify(self, example: Example, response: Response) -> bool | None:
        """The answer parses as JSON and validates against the example's schema (no target read)."""
        if response.error:
            return False
        parsed = extract_json(response.text)
        return parsed.ok and validation_error(example.inputs["schema"], parsed.value) is None
