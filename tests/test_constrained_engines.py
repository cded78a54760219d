"""Constrained decoding with both grammar engines (issue 25): coverage per sample, fallbacks, string caps,
and the failure kinds schema_json gives the grammar's failures.

Every generation runs a tiny random Llama (tests/tiny_models.py) through the real HF backend, so the
grammar is the only thing that makes its output JSON. Sampling at temperature 1 over several seeds
gives varied outputs; a cap on string tokens lets them finish inside a small budget.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import torch

from harness.models.base import LoadOptions
from harness.models.hf.backend import HFArgs, HFBackend
from harness.models.hf.checkpoint import load_model
from harness.models.hf.grammar_engines import (
    DEFAULT_ENGINE,
    ENGINES,
    XGRAMMAR_LENGTH_GAP,
    StringCap,
    StringState,
    llguidance_coverage,
    xgrammar_gaps,
)
from harness.tasks.schema_json.task import SchemaJsonTask
from harness.types import Example, Message, Request, Response
from tests.tiny_models import make_tiny_causal

SEEDS = range(6)

DRAFT04_ONEOF_BESIDE_PROPERTIES = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "properties": {"name": {"type": "string"}, "definition": {"type": "string"}},
    "required": ["name", "definition"],
    "oneOf": [
        {"type": "object", "properties": {"type": {"enum": ["boolean"]}}},
        {"type": "object", "properties": {"type": {"enum": ["string"]}}},
    ],
}

# One hand-written schema per feature, and what each engine must report about it (ignored, approximated).
# Whatever an engine does not report, its grammar must enforce: test_each_feature_is_enforced_or_reported.
FEATURES: dict[str, tuple[dict[str, Any], dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]] = {
    "oneOf_beside_properties": (
        DRAFT04_ONEOF_BESIDE_PROPERTIES,
        {
            "xgrammar": (("oneOf beside properties,required,type",), ("oneOf (as anyOf)",)),
            "llguidance": ((), ("oneOf (as anyOf)",)),
        },
    ),
    "not": (
        {"type": "object", "properties": {"a": {"type": "integer", "not": {"const": 3}}}, "required": ["a"]},
        {"xgrammar": (("not",), ()), "llguidance": (("not",), ())},
    ),
    "dependencies": (
        {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
         "dependencies": {"a": ["b"]}},
        {"xgrammar": (("dependencies",), ()), "llguidance": (("dependencies",), ())},
    ),
    "dependentSchemas": (
        {"type": "object", "properties": {"a": {"type": "integer"}}, "dependentSchemas": {"a": {"required": ["b"]}}},
        {"xgrammar": (("dependentSchemas",), ()), "llguidance": (("dependentSchemas",), ())},
    ),
    "patternProperties": (
        {"type": "object", "patternProperties": {"^x_": {"type": "integer"}}, "additionalProperties": False},
        {"xgrammar": (("patternProperties",), ()), "llguidance": ((), ())},
    ),
    "uniqueItems": (
        {"type": "array", "items": {"enum": [1, 2, 3]}, "uniqueItems": True, "minItems": 2, "maxItems": 3},
        {"xgrammar": (("uniqueItems",), ()), "llguidance": (("uniqueItems",), ())},
    ),
    "if_then_else": (
        {"type": "object", "properties": {"a": {"type": "integer"}},
         "if": {"properties": {"a": {"const": 1}}}, "then": {"required": ["b"]}, "else": {"required": ["a"]}},
        {"xgrammar": (("if", "then", "else"), ()), "llguidance": (("else", "if", "then"), ())},
    ),
    "multipleOf": (
        {"type": "integer", "multipleOf": 7},
        {"xgrammar": (("multipleOf",), ()), "llguidance": ((), ())},
    ),
    "format_date": (
        {"type": "string", "format": "date"},
        {"xgrammar": ((), ("format:date",)), "llguidance": ((), ())},
    ),
    "format_date_time": (
        {"type": "string", "format": "date-time"},
        {"xgrammar": ((), ("format:date-time",)), "llguidance": ((), ("format:date-time",))},
    ),
    "format_unknown": (
        {"type": "string", "format": "colour-name"},
        {"xgrammar": ((), ("format:colour-name",)), "llguidance": (("format:colour-name",), ())},
    ),
    "string_length": (
        {"type": "string", "minLength": 2, "maxLength": 6},
        {"xgrammar": ((), (XGRAMMAR_LENGTH_GAP,)), "llguidance": ((), ())},
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    return make_tiny_causal(tmp_path_factory.mktemp("tiny") / "causal")


def load(checkpoint: Path, engine: str | None = None, cap: int | None = None, constrained: bool = True) -> HFBackend:
    return load_model(
        checkpoint, "causal", HFArgs(grammar=engine, max_string_tokens=cap), LoadOptions(constrained=constrained), "t"
    )


@pytest.fixture(scope="module")
def backends(checkpoint: Path) -> Iterator[dict[str, HFBackend]]:
    """One backend per engine, strings capped at 4 tokens so that sampled outputs finish."""
    loaded = {engine: load(checkpoint, engine, cap=4) for engine in ENGINES}
    yield loaded
    for backend in loaded.values():
        backend.close()


def ask(schema: dict[str, Any], seed: int = 0, max_tokens: int = 64, temperature: float = 1.0) -> Request:
    return Request(
        messages=(Message("user", f"Answer with JSON. Attempt {seed}."),),
        max_tokens=max_tokens,
        response_schema=schema,
        constrained=True,
        temperature=temperature,
        seed=seed,
    )


def problem(schema: dict[str, Any], text: str) -> str | None:
    """The first validation error of ``text`` under ``schema`` (format checking on), or None."""
    validator = jsonschema.validators.validator_for(schema)
    try:
        error = next(
            iter(validator(schema, format_checker=validator.FORMAT_CHECKER).iter_errors(json.loads(text))), None
        )
    except (ValueError, OverflowError) as exc:  # not JSON, or a number jsonschema cannot divide
        return str(exc)
    return None if error is None else error.message


# --- coverage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("feature", list(FEATURES))
def test_each_feature_is_enforced_or_reported(backends: dict[str, HFBackend], engine: str, feature: str) -> None:
    schema, expected = FEATURES[feature]
    ignored, approximated = expected[engine]
    responses = backends[engine].generate_sync([ask(schema, seed) for seed in SEEDS])
    meta = responses[0].meta
    assert (tuple(meta.get("grammar_ignored", ())), tuple(meta.get("grammar_approximated", ()))) == expected[engine]
    assert meta["grammar"] == engine and meta["grammar_complete"] is not (ignored or approximated)
    finished = [r for r in responses if not r.meta.get("truncated")]
    assert finished, "no sampled output finished: the check would be empty"
    if not (ignored or approximated):  # a complete grammar: every finished output validates
        assert [(r.text, problem(schema, r.text)) for r in finished] == [(r.text, None) for r in finished]


def test_oneof_beside_properties_is_reported_by_xgrammar_and_kept_by_llguidance(
    backends: dict[str, HFBackend],
) -> None:
    schema = DRAFT04_ONEOF_BESIDE_PROPERTIES
    by_engine = {e: backends[e].generate_sync([ask(schema, seed) for seed in SEEDS]) for e in ENGINES}
    xgrammar_outputs = [json.loads(r.text) for r in by_engine["xgrammar"] if not r.meta.get("truncated")]
    # xgrammar compiles the oneOf alone: the root's own required fields are dropped, and the sample says so.
    assert xgrammar_outputs and all("name" not in o for o in xgrammar_outputs)
    assert by_engine["xgrammar"][0].meta["grammar_ignored"] == ["oneOf beside properties,required,type"]
    for response in by_engine["llguidance"]:
        if not response.meta.get("truncated"):
            assert {"name", "definition"} <= set(json.loads(response.text))


def test_llguidance_warnings_become_keywords() -> None:
    warnings = [
        'Unimplemented keys: ["if", "then"]',
        "oneOf not fully supported, falling back to anyOf. This may cause validation errors in some cases.",
        "Unknown format: colour",
    ]
    coverage = llguidance_coverage({"format": "time"}, warnings)
    assert coverage.ignored == ("if", "then", "format:colour")
    assert coverage.approximated == ("oneOf (as anyOf)", "format:time")
    assert coverage.meta()["grammar_complete"] is False


def test_xgrammar_gaps_follow_refs_items_and_definitions() -> None:
    schema = {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "string", "format": "email"}, "uniqueItems": True}},
        "$defs": {"n": {"type": "number", "multipleOf": 0.5}},
        "allOf": [{"properties": {"x": {"not": {"type": "null"}}}}],
        "title": "annotations beside a combinator are no gap",
    }
    assert xgrammar_gaps(schema) == (
        ("allOf beside properties,type", "uniqueItems", "multipleOf", "not"),
        ("format:email",),
    )
    assert xgrammar_gaps({"title": "t", "anyOf": [{"type": "string"}, {"type": "array", "uniqueItems": False}]}) == (
        (),
        (),
    )


# --- the shipped schemas, fallbacks, caps and the fingerprint ---------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_both_engines_give_valid_output_on_the_shipped_test_schemas(
    backends: dict[str, HFBackend], engine: str
) -> None:
    task = SchemaJsonTask()
    seen: dict[str, Example] = {}
    for example in task.load("test"):
        seen.setdefault(json.dumps(example.inputs["schema"], sort_keys=True), example)
    examples = list(seen.values())[::4]  # 6 of the 22 schemas
    requests = [ask(e.inputs["schema"], max_tokens=200, temperature=0.0) for e in examples]
    responses = backends[engine].generate_sync(requests)
    # A random model can write digits for ever (numbers have no cap); strings end at 4 tokens.
    assert sum(not r.meta.get("truncated") for r in responses) >= len(examples) // 2
    for example, response in zip(examples, responses, strict=True):
        if response.meta.get("truncated"):
            assert task.score(example, response).details["error_type"] == "budget_cut"
            continue
        scored = task.score(example, response)
        if scored.scores["schema_valid"] == 0.0:  # only where the sample says the grammar is not exact
            assert response.meta["grammar_complete"] is False, (example.id, response.text, scored.details)
            assert scored.details["error_type"] == "grammar_mismatch"
        assert scored.scores["json_parse"] == 1.0


@pytest.mark.parametrize("engine", ENGINES)
def test_a_refused_schema_falls_back_per_sample_with_the_reason(backends: dict[str, HFBackend], engine: str) -> None:
    refused = {"type": "integer", "minimum": 5, "maximum": 1}
    good = {"enum": ["red", "green"]}
    responses = backends[engine].generate_sync([ask(refused, 0, 8, 0.0), ask(good, 0, 8, 0.0), ask(refused, 1, 8, 0.0)])
    reasons = {
        "xgrammar": "Invalid range: minimum greater than maximum",
        "llguidance": "Unsatisfiable schema: minimum (5) is greater than maximum (1)",
    }
    for response in (responses[0], responses[2]):
        assert response.meta["constrained_fallback"] is True and "constrained" not in response.meta
        assert response.meta["constrained_error"] == reasons[engine] and response.meta["grammar"] == engine
    assert responses[1].meta["constrained"] is True and json.loads(responses[1].text) in ("red", "green")


@pytest.mark.parametrize("engine", ENGINES)
def test_max_string_tokens_closes_strings_and_counts_the_hits(checkpoint: Path, engine: str) -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "required": ["a", "b"],
    }
    capped, free = load(checkpoint, engine, cap=2), load(checkpoint, engine)
    capped_out = capped.generate_sync([ask(schema, seed, max_tokens=48) for seed in SEEDS])
    free_out = free.generate_sync([ask(schema, seed, max_tokens=48) for seed in SEEDS])
    assert all(not r.meta.get("truncated") and problem(schema, r.text) is None for r in capped_out)
    assert sum(r.meta.get("string_cap_hits", 0) for r in capped_out) >= len(SEEDS)
    assert not any("string_cap_hits" in r.meta for r in free_out)
    assert sum(bool(r.meta.get("truncated")) for r in free_out) > sum(bool(r.meta.get("truncated")) for r in capped_out)


def test_string_state_lexes_quotes_and_escapes() -> None:
    cap = StringCap(
        limit=3, quote_mask=torch.zeros(1, dtype=torch.int32), specials={1: '{"', 2: '\\"', 3: '",', 4: '"'}
    )
    state = StringState()
    for token in (1, 9, 2, 9):  # {"  x  \"  x: still inside the string, 4 tokens in (its opener counted)
        state.feed(token, cap)
    assert state.inside and state.tokens == 4
    state.feed(3, cap)  # ",
    assert not state.inside and state.tokens == 0
    state.feed(4, cap)
    assert state.inside and state.tokens == 1


def test_engine_and_string_cap_are_in_the_fingerprint(checkpoint: Path) -> None:
    default = load(checkpoint)
    prints = [default.fingerprint["grammar"], *(load(checkpoint, e).fingerprint["grammar"] for e in ENGINES)]
    assert prints[0]["engine"] == DEFAULT_ENGINE and prints[1]["engine"] != prints[2]["engine"]
    assert load(checkpoint, cap=64).fingerprint != default.fingerprint
    assert load(checkpoint, cap=64).fingerprint["grammar"]["max_string_tokens"] == 64
    assert "grammar" not in load(checkpoint, constrained=False).fingerprint


# --- schema_json's failure kinds ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "meta", "kind"),
    [
        ('{"a": "x"}', {"constrained": True}, "grammar_mismatch"),
        ('{"a": "xxxx', {"constrained": True, "truncated": True}, "budget_cut"),
        ('{"a": "x"}', {}, "schema_violation"),
        ("no json here", {}, "no_json"),
        ('{"a": "x"}', {"constrained_fallback": True, "constrained_error": "refused"}, "schema_violation"),
        ('{"a": 1}', {"constrained": True}, None),
    ],
)
def test_schema_json_tells_the_grammars_failures_from_the_models(text: str, meta: dict[str, Any], kind: str) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    example = Example("e1", "test", {"schema": schema}, None, ())
    scored = SchemaJsonTask().score(example, Response(text=text, meta=meta))
    assert scored.details.get("error_type") == kind
    assert scored.scores["schema_valid"] == (1.0 if kind is None else 0.0)
