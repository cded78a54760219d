"""schema_json: the shipped data, its generator, the structured-output metrics and the CLI end to end."""

from __future__ import annotations

import json

import pytest

from harness.errors import BadInput
from harness.metrics.structured import (
    extract_json,
    field_accuracy,
    schema_problem,
    strip_code_fence,
    validation_error,
    values_equal,
)
from harness.task import RenderOptions
from harness.tasks.schema_json.task import SchemaJsonTask
from harness.types import Example, Response
from tests.conftest import harness_cli

TASK = SchemaJsonTask()
D4 = "http://json-schema.org/draft-04/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


@pytest.fixture(scope="module")
def splits() -> dict[str, list[Example]]:
    return {split: list(TASK.load(split)) for split in TASK.splits}


def schema_key(example: Example) -> str:
    return json.dumps(example.inputs["schema"], sort_keys=True)


def scores_of(example: Example, text: str) -> dict[str, float]:
    return TASK.score(example, Response(text=text)).scores


def extraction_example(schema: dict, target: dict, text: str = "some text") -> Example:
    return TASK.from_record({"text": text, "schema": schema, "target": target}, "t.jsonl:1", "test")


# ---- the shipped data ---------------------------------------------------------------------------


def test_split_sizes_and_schema_counts(splits):
    assert {split: len(rows) for split, rows in splits.items()} == {"train": 1100, "test": 330, "ood": 180}
    schemas = {split: {schema_key(e) for e in rows} for split, rows in splits.items()}
    assert len(schemas["train"]) == 22 and len(schemas["ood"]) == 12
    assert schemas["test"] == schemas["train"]  # in distribution
    assert not schemas["ood"] & schemas["train"]
    titles = {split: {e.inputs["schema"]["title"] for e in rows} for split, rows in splits.items()}
    assert not titles["ood"] & titles["train"]


def test_every_target_validates_and_the_oracle_scores_one(splits):
    for rows in splits.values():
        for example in rows:
            assert validation_error(example.inputs["schema"], example.target) is None, example.id
            assert set(scores_of(example, TASK.target_text(example)).values()) == {1.0}, example.id


def test_ids_unique_splits_recorded_and_no_text_shared_between_train_and_test(splits):
    ids = [e.id for rows in splits.values() for e in rows]
    assert len(ids) == len(set(ids))
    assert all(e.split == split for split, rows in splits.items() for e in rows)
    assert not {e.inputs["text"] for e in splits["train"]} & {e.inputs["text"] for e in splits["test"]}


def test_drafts_and_ood_features(splits):
    drafts = {e.inputs["schema"]["$schema"] for e in splits["train"]}
    assert {
        D4,
        D7,
        D2020,
        "http://json-schema.org/draft-06/schema#",
        "https://json-schema.org/draft/2019-09/schema",
    } <= drafts
    ood_tags = {tag for e in splits["ood"] for tag in e.tags}
    assert {"ood", "nested", "array_of_objects", "enum", "format", "bounds", "optional", "ref"} <= ood_tags
    assert all("ood" in e.tags for e in splits["ood"]) and not any("ood" in e.tags for e in splits["test"])


def test_text_shows_the_target_values(splits):
    # Strings the text must contain verbatim (ids, codes, emails, URIs); a cheap guard on the renderer.
    for example in splits["ood"] + splits["test"]:
        for key in ("invoice_number", "ticket_id", "po_number", "claim_number", "website", "repository", "url"):
            if key in example.target:
                assert example.target[key] in example.inputs["text"], (example.id, key)


def test_committed_lines_are_compact_records():
    line = (TASK.data_dir / "ood.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    assert list(record) == ["id", "split", "tags", "text", "schema", "target"]
    assert line == json.dumps(record, ensure_ascii=False, separators=(",", ":"))


# ---- metrics: JSON recovery ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "how"),
    [
        ('{"a": 1}', {"a": 1}, "raw"),
        ('```json\n{"a": 1}\n```', {"a": 1}, "fenced"),
        ('Here you go:\n```\n{"a": 1}\n```\nAnything else?', {"a": 1}, "fenced"),
        ('```json\n{"a": 1}', {"a": 1}, "fenced"),  # a fence cut off by max_tokens
        ('Sure! {"a": 1} Hope that helps.', {"a": 1}, "embedded"),
        ("null", None, "raw"),
    ],
)
def test_extract_json(text, value, how):
    parsed = extract_json(text)
    assert (parsed.ok, parsed.value, parsed.how) == (True, value, how)


@pytest.mark.parametrize("text", ["", "no json here", '{"a": NaN}', "{'a': 1}", '```json\n{"a": \n```'])
def test_extract_json_fails(text):
    assert not extract_json(text).ok


def test_strip_code_fence():
    assert strip_code_fence('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert strip_code_fence("  plain  ") == "plain"


# ---- metrics: validation across drafts and formats ----------------------------------------------


def test_exclusive_minimum_boolean_in_draft_04_number_in_2020_12():
    draft4 = {"$schema": D4, "type": "number", "minimum": 0, "exclusiveMinimum": True}
    assert validation_error(draft4, 0) is not None
    assert validation_error(draft4, 0.5) is None
    modern = {"$schema": D2020, "type": "number", "exclusiveMinimum": 0}
    assert validation_error(modern, 0) is not None
    assert validation_error(modern, 0.5) is None
    # each form is invalid under the other draft's metaschema
    assert schema_problem({"$schema": D2020, "type": "number", "exclusiveMinimum": True}) is not None
    assert schema_problem({"$schema": D4, "type": "number", "exclusiveMinimum": 0}) is not None


def test_https_spelling_of_an_old_draft_is_that_draft():
    schema = {"$schema": "https://json-schema.org/draft-04/schema#", "minimum": 0, "exclusiveMinimum": True}
    assert validation_error(schema, 0) is not None


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("email", "ada@example.org", "ada.example.org"),
        ("date", "2025-02-28", "2025-02-30"),
        ("date-time", "2025-02-28T09:30:00Z", "2025-02-28 09:30"),
        ("uri", "https://example.org/x", "example.org/x"),
    ],
)
def test_format_checking_is_on(fmt, good, bad):
    schema = {"$schema": D7, "type": "string", "format": fmt}
    assert validation_error(schema, good) is None
    assert validation_error(schema, bad) is not None


def test_score_schema_invalid_output_still_gets_field_accuracy():
    schema = {
        "$schema": D7,
        **PERSON,
        "properties": {**PERSON["properties"], "email": {"type": "string", "format": "email"}},
    }
    example = extraction_example(schema, {"name": "Ada", "age": 36, "email": "ada@example.org"})
    scores = scores_of(example, '{"name": "Ada", "age": 36, "email": "ada at example"}')
    assert scores == {
        "json_parse": 1.0,
        "schema_valid": 0.0,
        "field_accuracy": pytest.approx(2 / 3),
        "exact_match": 0.0,
    }
    details = TASK.score(example, Response(text='{"name": "Ada", "age": -1, "email": "ada@example.org"}')).details
    assert "validation_error" in details and details["wrong_fields"] == ["$.age"]


def test_score_fenced_answer_and_failures():
    example = extraction_example(PERSON, {"name": "Ada Lovelace", "age": 36})
    assert scores_of(example, '```json\n{"age": 36, "name": "ada  lovelace"}\n```') == dict.fromkeys(
        ("json_parse", "schema_valid", "field_accuracy", "exact_match"), 1.0
    )
    zeros = dict.fromkeys(("json_parse", "schema_valid", "field_accuracy", "exact_match"), 0.0)
    assert scores_of(example, "I cannot help with that.") == zeros
    assert TASK.score(example, Response(error="timeout")).scores == zeros


# ---- metrics: leaf comparison -------------------------------------------------------------------


def test_field_accuracy_normalises_strings_and_gives_partial_credit():
    expected = {"name": "Ada  Lovelace", "city": "London", "age": 36}
    accuracy, wrong = field_accuracy(expected, {"name": " ada lovelace", "city": "Paris", "age": 36.0, "extra": 1})
    assert (accuracy, wrong) == (pytest.approx(2 / 3), ["$.city"])


def test_field_accuracy_nested_leaves_and_arrays():
    expected = {"a": {"b": 1, "c": [1, 2]}, "d": [{"e": "x"}], "f": []}
    # leaves: a.b, a.c[0], a.c[1], d[0].e, f (an empty array is a leaf)
    assert field_accuracy(expected, expected) == (1.0, [])
    actual = {"a": {"b": 1, "c": [1]}, "d": [{"e": "X "}], "f": [0]}
    assert field_accuracy(expected, actual) == (pytest.approx(3 / 5), ["$.a.c[1]", "$.f"])
    assert field_accuracy(expected, "not an object") == (0.0, ["$.a.b", "$.a.c[0]", "$.a.c[1]", "$.d[0].e", "$.f"])


def test_field_accuracy_types_must_agree():
    assert field_accuracy({"n": 5, "ok": True, "none": None}, {"n": "5", "ok": 1, "none": None}) == (
        pytest.approx(1 / 3),
        ["$.n", "$.ok"],
    )


def test_exact_match():
    expected = {"name": "Ada Lovelace", "tags": ["a", "b"], "n": 2}
    assert values_equal(expected, {"n": 2.0, "tags": ["A", "b "], "name": "ada lovelace"})
    assert not values_equal(expected, {**expected, "extra": 1})
    assert not values_equal(expected, {**expected, "tags": ["b", "a"]})
    assert not values_equal(expected, {"name": "Ada Lovelace", "tags": ["a", "b"]})


# ---- records: schema-only, ids, bad input -------------------------------------------------------


def test_schema_only_record_json_schema_string_and_unique_id():
    record = {"json_schema": json.dumps(PERSON), "unique_id": "jsb-0001"}
    example = TASK.from_record(record, "mine.jsonl:1", "test")
    assert (example.id, example.target, example.inputs) == ("jsb-0001", None, {"schema": PERSON})
    assert "schema_only" in example.tags and "bounds" in example.tags
    assert TASK.target_text(example) == ""
    prompt = TASK.user_prompt(example, RenderOptions())
    assert json.dumps(PERSON, separators=(",", ":")) in prompt and "Text:" not in prompt
    assert scores_of(example, '{"name": "Bo", "age": 3}') == {"json_parse": 1.0, "schema_valid": 1.0}
    assert scores_of(example, '{"name": "Bo", "age": -3}') == {"json_parse": 1.0, "schema_valid": 0.0}
    assert scores_of(example, "{") == {"json_parse": 0.0, "schema_valid": 0.0}


def test_content_hash_ids_are_stable():
    first = TASK.from_record({"schema": PERSON}, "a.jsonl:1", "test")
    reordered = dict(reversed(list(PERSON.items())))  # key order does not change the hash
    again = TASK.from_record({"schema": reordered, "split": "test"}, "b.jsonl:9", "train")
    assert first.id == again.id == "schema_json-8ab7b7b7741893e3"
    with_text = TASK.from_record({"schema": PERSON, "text": "Bo, 3", "target": {"name": "Bo", "age": 3}}, "x", "test")
    assert with_text.id.startswith("schema_json-") and with_text.id != first.id


@pytest.mark.parametrize(
    ("record", "needles"),
    [
        ({"schema": {"type": "strng"}}, ["'schema'", "not a valid JSON Schema"]),
        ({"json_schema": "{not json"}, ["'json_schema'", "not valid JSON"]),
        ({"schema": [1, 2]}, ["'schema'", "must be a JSON Schema object"]),
        ({"text": "Bo"}, ["missing field 'schema'"]),
        ({"schema": PERSON, "text": "Bo, -3", "target": {"name": "Bo", "age": -3}}, ["'target'", "does not conform"]),
        ({"schema": PERSON, "text": "Bo"}, ["missing field 'target'"]),
        ({"schema": PERSON, "target": {"name": "Bo", "age": 3}}, ["missing field 'text'"]),
        ({"schema": PERSON, "text": 3, "target": {"name": "Bo", "age": 3}}, ["'text' must be str"]),
        ({"schema": PERSON, "tags": [1]}, ["'tags'"]),
    ],
)
def test_bad_records_name_file_line_and_field(record, needles):
    with pytest.raises(BadInput) as caught:
        TASK.from_record(record, "mine.jsonl:7", "test")
    message = str(caught.value)
    assert message.startswith("mine.jsonl:7: ") and "\n" not in message
    for needle in needles:
        assert needle in message, message


def test_load_data_names_the_line(tmp_path):
    data = tmp_path / "mine.jsonl"
    good = {"schema": PERSON, "text": "Bo is 3.", "target": {"name": "Bo", "age": 3}}
    data.write_text(json.dumps(good) + "\n" + json.dumps({**good, "target": {"name": "Bo"}}) + "\n")
    with pytest.raises(BadInput, match=rf"{data}:2: field 'target' does not conform"):
        TASK.load_data(str(data))


# ---- the CLI end to end -------------------------------------------------------------------------


def test_cli_oracle_scores_one_on_every_metric(tmp_path, db):
    summary_path = tmp_path / "summary.json"
    result = harness_cli("run", "--task", "schema_json", "--model", "oracle", "--split", "test,ood", "--limit", "60",
                         "--db", db, "--output-json", str(summary_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(summary_path.read_text())
    assert summary["status"] == "complete" and summary["n_errors"] == 0 and summary["n_samples"] == 120
    for split in ("test", "ood"):
        metrics = summary["metrics"][split]
        assert set(metrics) == {"json_parse", "schema_valid", "field_accuracy", "exact_match"}
        assert all(m["value"] == 1.0 and m["n"] == 60 for m in metrics.values()), metrics


def test_cli_data_schema_only_scores_parse_and_validity(tmp_path, db):
    data = tmp_path / "jsb.jsonl"
    other = {"type": "object", "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}$"}}, "required": ["sku"]}
    data.write_text(
        json.dumps({"json_schema": json.dumps(PERSON), "unique_id": "jsb-1"})
        + "\n"
        + json.dumps({"schema": other})
        + "\n"
    )
    other_id = TASK.from_record({"schema": other}, "x", "test").id
    replay = tmp_path / "outputs.jsonl"
    replay.write_text(
        json.dumps({"id": "jsb-1", "output": '```json\n{"name": "Bo", "age": 3}\n```'})
        + "\n"
        + json.dumps({"id": other_id, "output": '{"sku": "abc"}'})
        + "\n"
    )
    summary_path = tmp_path / "summary.json"
    result = harness_cli("run", "--task", "schema_json", "--model", f"replay:{replay}", "--data", str(data),
                         "--db", db, "--output-json", str(summary_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    metrics = json.loads(summary_path.read_text())["metrics"]["test"]
    assert {name: m["value"] for name, m in metrics.items()} == {"json_parse": 1.0, "schema_valid": 0.5}
