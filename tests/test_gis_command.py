"""gis_command: data, generator, scoring, --data in the AWebGIS format, and the CLI end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import BadInput
from harness.metrics.calls import format_calls, parse_calls
from harness.registry import get_task
from harness.task import RenderOptions
from harness.tasks.gis_command.datagen.families import FAMILIES
from harness.tasks.gis_command.datagen.phrasing import id_patterns
from harness.tasks.gis_command.datagen.pools import CLOSED_STRINGS, ID_POOLS, OOD_POOLS
from harness.tasks.gis_command.datagen.samplers import number_words
from harness.tasks.gis_command.task import COMMANDS, METRICS, GisCommandTask, command_breakdown
from harness.types import Example, Response, SampleResult, Scored
from tests.conftest import harness_cli

TASK = GisCommandTask()
DATA_DIR = TASK.data_dir


@pytest.fixture(scope="module")
def splits() -> dict[str, list[Example]]:
    return {split: list(TASK.load(split)) for split in TASK.splits}


def string_args(examples: list[Example]) -> set[str]:
    return {
        arg
        for example in examples
        for call in parse_calls(example.target).calls
        for arg in call.args
        if isinstance(arg, str)
    }


# ---- data -------------------------------------------------------------------------------------


def test_registered_and_split_sizes(splits):
    assert isinstance(get_task("gis_command"), GisCommandTask)
    assert len(splits["train"]) >= 1500 and len(splits["test"]) >= 400 and len(splits["ood"]) >= 200
    for split, examples in splits.items():
        assert len({e.id for e in examples}) == len(examples)
        assert {e.split for e in examples} == {split}


def test_every_target_is_canonical_and_tagged_by_command(splits):
    for examples in splits.values():
        for example in examples:
            parsed = parse_calls(example.target)
            assert parsed.ok, (example.id, parsed.error)
            assert set(parsed.names) <= set(COMMANDS)
            assert [t for t in example.tags if t.startswith("cmd:")] == [f"cmd:{n}" for n in parsed.names]
            assert format_calls(parsed.calls) == example.target


def test_at_least_twelve_commands_in_every_split(splits):
    for examples in splits.values():
        names = {name for e in examples for name in parse_calls(e.target).names}
        assert len(names) >= 12 and names == set(COMMANDS)


def test_no_input_repeats_across_splits(splits):
    seen = [e.inputs["text"] for examples in splits.values() for e in examples]
    assert len(seen) == len(set(seen))


def test_ood_has_phrasings_and_two_command_compositions(splits):
    ood = splits["ood"]
    assert all("ood" in e.tags for e in ood)
    compositions = [e for e in ood if "ood:composition" in e.tags]
    singles = [e for e in ood if "ood:phrasing" in e.tags]
    assert len(compositions) >= 50 and len(singles) >= 100 and len(compositions) + len(singles) == len(ood)
    for example in compositions:
        assert len(parse_calls(example.target).calls) == 2 and "; " in example.target


def test_ood_phrasings_are_unseen(splits):
    patterns = id_patterns()
    assert not {t for f in FAMILIES for t in f.ood_templates} & {t for f in FAMILIES for t in f.id_templates}
    for example in splits["ood"]:
        if "ood:phrasing" in example.tags:
            assert not any(p.fullmatch(example.inputs["text"]) for p in patterns), example.inputs["text"]
    # the check is not vacuous: every train input matches an ID pattern
    assert all(any(p.fullmatch(e.inputs["text"]) for p in patterns) for e in splits["train"][:200])


def test_ood_places_files_and_names_are_unseen(splits):
    in_distribution = string_args(splits["train"]) | string_args(splits["test"])
    ood = string_args(splits["ood"])
    assert ood & in_distribution <= CLOSED_STRINGS
    open_values = ood - CLOSED_STRINGS
    assert len(open_values) >= 40 and {"Reykjavik", "wetlands", "voter_turnout"} <= open_values
    # the value lists themselves share nothing
    for field in ("places", "layers", "labels", "urls", "wms_layers", "regions", "attributes"):
        assert not set(getattr(ID_POOLS, field)) & set(getattr(OOD_POOLS, field)), field
    id_files = {f for files in ID_POOLS.files.values() for f in files}
    assert not id_files & {f for files in OOD_POOLS.files.values() for f in files}


def test_records_have_the_documented_fields():
    first = json.loads((DATA_DIR / "test.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert list(first) == ["id", "split", "tags", "input", "output"]


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "zero"), (7, "seven"), (15, "fifteen"), (40, "forty"), (75, "seventy-five"), (250, "two hundred fifty"),
     (1000, "one thousand"), (1500, "one thousand five hundred"), (2500, "two thousand five hundred")],
)  # fmt: skip
def test_number_words(n, words):
    assert number_words(n) == words


# ---- rendering and scoring --------------------------------------------------------------------


def test_render_uses_reference_shots_and_one_line_stop(splits):
    shots = tuple(splits["train"][:2])
    request = TASK.render(splits["test"][0], RenderOptions(shots=shots))
    roles = [m.role for m in request.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "ZoomIn(levels)" in request.messages[0].content
    assert request.messages[2].content == shots[0].target
    assert request.messages[-1].content == splits["test"][0].inputs["text"]
    assert request.stop == ("\n",) and request.max_tokens >= 64


def example(target: str, tags: tuple[str, ...] = ()) -> Example:
    return Example("x", "test", {"text": "t", "builtin_commands": True}, target, tags)


@pytest.mark.parametrize(
    ("target", "output", "expected"),
    [
        ("ZoomIn(3)", " ZoomIn(3)\n", {"exact_match": 1, "call_accuracy": 1, "parse_rate": 1}),
        ("ZoomIn(3)", "ZoomIn(3.0)", {"exact_match": 0, "call_accuracy": 1, "parse_rate": 1}),
        ("AddLayer('roads')", 'AddLayer("roads")', {"exact_match": 0, "call_accuracy": 1, "parse_rate": 1}),
        ("ZoomIn(3)", "ZoomOut(3)", {"exact_match": 0, "call_accuracy": 0, "parse_rate": 1}),
        ("ZoomIn(3)", "Zoom in 3", {"exact_match": 0, "call_accuracy": 0, "parse_rate": 0}),
        ("GoTo('Lima'); ZoomIn(2)", "GoTo('Lima')", {"exact_match": 0, "call_accuracy": 0, "parse_rate": 1}),
        ("GoTo('Lima'); ZoomIn(2)", "GoTo('Lima');ZoomIn(2)", {"exact_match": 0, "call_accuracy": 1, "parse_rate": 1}),
        ("GoTo('Lima'); ZoomIn(2)", "ZoomIn(2); GoTo('Lima')", {"exact_match": 0, "call_accuracy": 0, "parse_rate": 1}),
    ],
)  # fmt: skip
def test_score_hand_cases(target, output, expected):
    scored = TASK.score(example(target), Response(text=output))
    assert set(scored.scores) == set(METRICS)
    assert {k: scored.scores[k] for k in expected} == expected
    if expected["parse_rate"]:
        assert scored.parsed and scored.parsed[0]["name"] == parse_calls(output).calls[0].name
    else:
        assert scored.parsed is None and "parse_error" in scored.details


def test_score_text_metrics_match_the_metric_module():
    from harness.metrics.text import text_scores

    scored = TASK.score(example("Move(51.36, 25.6)"), Response(text="Move(51.36, 25.06)"))
    assert {k: scored.scores[k] for k in ("exact_match", "levenshtein", "rouge1", "rougeL")} == text_scores(
        "Move(51.36, 25.06)", "Move(51.36, 25.6)"
    )


def test_failed_sample_scores_zero_everywhere():
    scored = TASK.score(example("ZoomIn(3)"), Response(error="timeout"))
    assert scored.scores == dict.fromkeys(METRICS, 0.0) and scored.details == {"error": "timeout"}


def test_target_that_is_not_a_call_leaves_call_accuracy_out():
    scored = TASK.score(example("zoom_in 3"), Response(text="zoom_in 3"))
    assert "call_accuracy" not in scored.scores
    assert scored.scores["exact_match"] == 1.0 and scored.scores["parse_rate"] == 0.0


def test_command_breakdown_groups_by_target_command():
    def result(target: str, output: str) -> SampleResult:
        ex = Example(output, "test", {"text": "t"}, target, tuple(f"cmd:{n}" for n in parse_calls(target).names))
        return SampleResult(ex, "h", Response(text=output), TASK.score(ex, Response(text=output)))

    results = [
        result("ZoomIn(3)", "ZoomIn(3)"),
        result("ZoomIn(2)", "ZoomOut(2)"),
        result("GoTo('Lima')", "GoTo('Lima')"),
        result("GoTo('Lima'); ZoomIn(2)", "GoTo('Lima')"),
    ]
    breakdown = command_breakdown(results)
    assert list(breakdown) == ["GoTo", "ZoomIn"]
    assert breakdown["ZoomIn"].value == pytest.approx(1 / 3) and breakdown["ZoomIn"].n == 3
    assert breakdown["GoTo"].value == pytest.approx(1 / 2) and breakdown["GoTo"].n == 2
    assert command_breakdown(results, "parse_rate")["ZoomIn"].value == 1.0
    no_scores = SampleResult(results[0].example, "h", Response(), Scored({}))
    assert command_breakdown([no_scores]) == {}


# ---- --data: the AWebGIS {input, output} format -----------------------------------------------

AWEBGIS = [
    {"input": "zoom in three levels", "output": "ZoomIn(3)"},
    {"input": "go to 51.36 25.60", "output": "Move(51.36, 25.60)"},
    {"input": "show the rivers", "output": "AddVector('polyline', 'rivers.shp')"},
    {"input": "zoom in three levels", "output": "ZoomIn(3)"},
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_awebgis_records_get_stable_ids_and_the_test_split(tmp_path):
    examples = TASK.load_data(str(write_jsonl(tmp_path / "a.jsonl", AWEBGIS)))
    assert [e.split for e in examples] == ["test"] * 4
    ids = [e.id for e in examples]
    assert len(set(ids)) == 4 and ids[3] == f"{ids[0]}-2" and ids[0].startswith("gis_command-")
    moved = TASK.load_data(str(write_jsonl(tmp_path / "b.jsonl", [AWEBGIS[2], AWEBGIS[1], AWEBGIS[0]])))
    assert [e.id for e in moved] == [ids[2], ids[1], ids[0]]
    assert examples[2].tags == ("cmd:AddVector",) and examples[2].target == "AddVector('polyline', 'rivers.shp')"


def test_awebgis_records_render_without_the_builtin_reference(tmp_path):
    example = TASK.load_data(str(write_jsonl(tmp_path / "a.jsonl", AWEBGIS[:1])))[0]
    system = TASK.render(example, RenderOptions()).messages[0].content
    assert "Commands:" not in system and "one line" in system


def test_split_and_id_fields_are_honoured(tmp_path):
    records = [{**AWEBGIS[0], "split": "ood", "id": "q1"}, {**AWEBGIS[1], "tags": ["mine"]}]
    first, second = TASK.load_data(str(write_jsonl(tmp_path / "a.jsonl", records)))
    assert (first.id, first.split) == ("q1", "ood")
    assert second.split == "test" and second.tags == ("mine", "cmd:Move")


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        ({"output": "ZoomIn(3)"}, "missing field 'input'"),
        ({"input": "zoom in"}, "missing field 'output'"),
        ({"input": "zoom in", "output": 3}, "field 'output' must be str"),
        ({"input": ["zoom"], "output": "ZoomIn(3)"}, "field 'input' must be str"),
        ({"input": "zoom in", "output": "  "}, "field 'output' is empty"),
        ({"input": "zoom in", "output": "ZoomIn(3)", "tags": 5}, "field 'tags'"),
        ({"input": "zoom in", "output": "ZoomIn(3)", "split": 1}, "field 'split' must be str"),
    ],
)
def test_bad_records_name_file_line_and_field(tmp_path, record, needle):
    path = write_jsonl(tmp_path / "bad.jsonl", [AWEBGIS[0], record])
    with pytest.raises(BadInput) as caught:
        TASK.load_data(str(path))
    assert f"{path}:2" in str(caught.value) and needle in str(caught.value)


# ---- the CLI ----------------------------------------------------------------------------------


def test_target_text_scores_one_on_every_example(splits):
    for split in ("test", "ood"):
        for ex in splits[split]:
            scored = TASK.score(ex, Response(text=TASK.target_text(ex)))
            assert scored.scores == dict.fromkeys(METRICS, 1.0), ex.id


def test_cli_oracle_scores_one_everywhere(tmp_path, db):
    out = tmp_path / "summary.json"
    result = harness_cli("run", "--task", "gis_command", "--model", "oracle", "--split", "test,ood", "--limit", "80",
                         "--db", db, "--output-json", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text())["metrics"]
    assert set(metrics) == {"test", "ood"}
    for split, by_name in metrics.items():
        assert set(by_name) == set(METRICS), split
        assert all(m["value"] == 1.0 and m["n"] == 80 for m in by_name.values()), (split, by_name)


def test_cli_oracle_on_awebgis_data(tmp_path, db):
    records = [*AWEBGIS, {"input": "zoom out", "output": "ZoomOut(1)", "split": "ood"}]
    data = write_jsonl(tmp_path / "awebgis.jsonl", records)
    out = tmp_path / "summary.json"
    result = harness_cli("run", "--task", "gis_command", "--model", "oracle", "--data", str(data),
                         "--split", "test,ood", "--db", db, "--output-json", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text())["metrics"]
    assert metrics["test"]["exact_match"] == {"value": 1.0, "ci_low": 1.0, "ci_high": 1.0, "n": 4}
    assert metrics["ood"]["call_accuracy"]["value"] == 1.0


def test_cli_bad_record_is_one_line_exit_2(tmp_path, db):
    data = write_jsonl(tmp_path / "bad.jsonl", [AWEBGIS[0], {"input": "zoom"}])
    result = harness_cli("run", "--task", "gis_command", "--model", "oracle", "--data", str(data), "--db", db)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{data}:2" in result.stderr and "missing field 'output'" in result.stderr
