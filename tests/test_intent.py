"""intent: parsing, scoring and corpus metrics through replays, classifiers, grammars and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import BadInput
from harness.runner import run_eval
from harness.store import Store
from harness.task import RenderOptions
from harness.tasks.intent.task import IntentTask, answer_schema, parse_labels
from harness.types import ModelCaps, Response, RunConfig
from tests.conftest import harness_cli

LABELS = ["cancel_order", "track_order", "out_of_scope"]
RECORDS = [
    {"id": "a1", "split": "test", "text": "where is my parcel", "labels": ["track_order"]},
    {"id": "a2", "split": "test", "text": "stop my order please", "labels": ["cancel_order"]},
    {"id": "a3", "split": "test", "text": "has order 12 shipped yet", "labels": ["track_order"]},
    {"id": "a4", "split": "test", "text": "cancel it now", "labels": ["cancel_order"]},
    {"id": "o1", "split": "ood", "text": "tell me a joke", "labels": ["out_of_scope"], "tags": ["oos"]},
    {"id": "o2", "split": "ood", "text": "what is the capital of peru", "labels": ["out_of_scope"], "tags": ["oos"]},
    {"id": "o3", "split": "ood", "text": "parcel?? where", "labels": ["track_order"], "tags": ["shifted"]},
    {
        "id": "m1",
        "split": "multilabel",
        "text": "cancel order 4 and tell me where order 5 is",
        "labels": ["track_order", "cancel_order"],
        "tags": ["multilabel"],
    },
    {
        "id": "m2",
        "split": "multilabel",
        "text": "where is it, and cancel the other one",
        "labels": ["cancel_order", "track_order"],
        "tags": ["multilabel"],
    },
]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "intents.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def replay(tmp_path: Path, answers: dict[str, str]) -> str:
    path = tmp_path / "replay.jsonl"
    path.write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in answers.items()))
    return f"replay:{path}"


# ---- parsing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "known", "unknown"),
    [
        ('{"intent": "track_order"}', ["track_order"], []),
        ('{"intents": ["track_order", "cancel_order"]}', ["track_order", "cancel_order"], []),
        ('"cancel_order"', ["cancel_order"], []),
        ("track_order", ["track_order"], []),
        ("Track_Order.", ["track_order"], []),
        ("cancel_order, track_order", ["cancel_order", "track_order"], []),
        ('```json\n{"intent": "cancel_order"}\n```', ["cancel_order"], []),
        ('{"intent": "refund"}', [], ["refund"]),
        ("The customer wants to track the order.", [], ["The customer wants to track the order"]),
        ("", [], []),
        ('{"intents": ["track_order", "track_order"]}', ["track_order"], []),
    ],
)
def test_parse_labels(text, known, unknown):
    assert parse_labels(text, LABELS) == (known, unknown)


# ---- scoring and metrics ----------------------------------------------------------------------------------


def test_the_oracle_scores_one_on_every_split(data, db):
    summary = run_eval(RunConfig(task="intent", model="oracle", data=str(data), db=db))
    assert summary.n_errors == 0
    assert summary.metrics["test"]["accuracy"].value == 1.0
    assert summary.metrics["test"]["macro_f1"].value == 1.0
    assert summary.metrics["ood"]["oos_recall"].value == 1.0
    assert summary.metrics["ood"]["in_scope_accuracy"].value == 1.0
    multi = summary.metrics["multilabel"]
    assert multi["subset_accuracy"].value == 1.0 and multi["hamming_loss"].value == 0.0
    assert summary.primary == {} or summary.primary.get("multilabel", "subset_accuracy") == "subset_accuracy"


def test_hand_computed_metrics_from_a_replay(data, db, tmp_path):
    answers = {
        "a1": '{"intent": "track_order"}',
        "a2": '{"intent": "track_order"}',  # wrong
        "a3": "track_order",
        "a4": "no idea",  # no label
        "o1": '{"intent": "out_of_scope"}',
        "o2": '{"intent": "track_order"}',  # missed OOS
        "o3": '{"intent": "out_of_scope"}',  # false OOS
        "m1": '{"intents": ["cancel_order", "track_order"]}',
        "m2": '{"intents": ["track_order"]}',  # one of two
    }
    summary = run_eval(RunConfig(task="intent", model=replay(tmp_path, answers), data=str(data), db=db))
    test, ood, multi = (summary.metrics[s] for s in ("test", "ood", "multilabel"))
    assert test["accuracy"].value == pytest.approx(0.5)
    # track_order: tp 2, fp 1, fn 0 → F1 0.8; cancel_order: tp 0, fn 2 → 0
    assert test["macro_f1"].value == pytest.approx(0.4)
    assert ood["oos_recall"].value == pytest.approx(0.5)
    assert ood["oos_precision"].value == pytest.approx(0.5)
    assert ood["in_scope_accuracy"].value == 0.0
    assert multi["subset_accuracy"].value == pytest.approx(0.5)
    assert multi["hamming_loss"].value == pytest.approx(1 / 4)
    samples = Store(db).sample_results(summary.run_id)
    kinds = {r.example.id: r.scored.details.get("error_type") for split in samples.values() for r in split}
    assert kinds["a2"] == "wrong_label" and kinds["a4"] == "unknown_label" and kinds["m2"] == "wrong_labels"
    assert kinds["a1"] is None


def test_records_need_text_and_labels(tmp_path, db):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "hi"}) + "\n")
    result = harness_cli("run", "--task", "intent", "--model", "oracle", "--data", str(bad), "--db", db)
    assert result.returncode == 2
    assert f"{bad}:1: missing field 'labels'" in result.stderr


# ---- rendering ------------------------------------------------------------------------------------------


def test_generative_prompt_lists_labels_and_classifier_gets_the_bare_text(data):
    task = IntentTask()
    examples = {e.id: e for e in task.load_data(str(data))}
    request = task.render(examples["a1"], RenderOptions(constrained=True))
    assert "- track_order" in request.messages[0].content and request.messages[-1].content == "where is my parcel"
    assert request.response_schema == answer_schema(["cancel_order", "track_order", "out_of_scope"], multi=False)
    assert request.constrained and request.logprobs
    multi = task.render(examples["m1"], RenderOptions())
    assert "intents" in multi.response_schema["properties"] and "several intents" in multi.messages[0].content
    bare = task.render(examples["a1"], RenderOptions(caps=ModelCaps(label_scores=True, labels=tuple(LABELS))))
    assert [m.content for m in bare.messages] == ["where is my parcel"]
    assert bare.labels == tuple(LABELS) and not bare.multi_label
    bare_multi = task.render(examples["m1"], RenderOptions(caps=ModelCaps(label_scores=True, labels=tuple(LABELS))))
    assert bare_multi.labels == tuple(LABELS) and bare_multi.multi_label


def test_generative_requests_name_no_labels_so_their_hashes_stay_as_they_were(data):
    task = IntentTask()
    examples = {e.id: e for e in task.load_data(str(data))}
    for example in examples.values():
        for caps in (ModelCaps(), ModelCaps(chat_template=True, native_tools=True, structured_output=True)):
            request = task.render(example, RenderOptions(caps=caps))
            assert request.labels is None and not request.multi_label
            assert "labels" not in request.to_dict() and "multi_label" not in request.to_dict()


def test_a_label_scoring_answer_is_scored_from_its_labels_not_its_text(data):
    task = IntentTask()
    examples = {e.id: e for e in task.load_data(str(data))}
    one = task.score(examples["a1"], Response(text="ignored", labels=("Track_Order",), meta={"confidence": 0.7}))
    assert one.scores == {"accuracy": 1.0} and one.parsed == "track_order" and one.details["confidence"] == 0.7
    both = task.score(examples["m1"], Response(text="", labels=("track_order", "cancel_order", "refund")))
    assert both.scores["subset_accuracy"] == 1.0 and both.parsed == ["cancel_order", "track_order"]
    assert both.details["unknown_labels"] == ["refund"]
    none = task.score(examples["a1"], Response(text='{"intent": "track_order"}', labels=()))
    assert none.scores == {"accuracy": 0.0} and none.details["error_type"] == "no_label"


def test_a_classifier_missing_labels_is_refused_with_the_list(data):
    task = IntentTask()
    examples = task.load_data(str(data))
    caps = ModelCaps(label_scores=True, labels=("track_order", "LABEL_1"))
    with pytest.raises(BadInput, match=r"lacks 1 label.*cancel_order"):
        task.check_options(RenderOptions(caps=caps), examples)
    task.check_options(
        RenderOptions(caps=ModelCaps(label_scores=True, labels=("track_order", "cancel_order"))), examples
    )


# ---- sequence-classification checkpoints -----------------------------------------------------------------


def tiny_classifier(tmp_path: Path, labels: list[str], problem_type: str | None = None) -> Path:
    from tests.tiny_models import make_tiny_classifier

    path = make_tiny_classifier(tmp_path / f"clf-{len(labels)}-{problem_type}")
    config = json.loads((path / "config.json").read_text())
    config["id2label"] = {str(i): name for i, name in enumerate(labels)}
    config["label2id"] = {name: i for i, name in enumerate(labels)}
    if problem_type:
        config["problem_type"] = problem_type
    (path / "config.json").write_text(json.dumps(config))
    return path


def test_classifier_answers_every_split_with_confidence(data, db, tmp_path):
    ckpt = tiny_classifier(tmp_path, ["cancel_order", "track_order", "oos"])
    summary = run_eval(RunConfig(task="intent", model=str(ckpt), data=str(data), db=db))
    assert summary.n_errors == 0
    assert "ece" in summary.metrics["test"]  # every sample carries a confidence
    samples = Store(db).sample_results(summary.run_id)
    assert all(r.scored.parsed in LABELS for r in samples["test"])  # CLINC's "oos" is read as out_of_scope
    assert all(isinstance(r.scored.parsed, list) and r.scored.parsed for r in samples["multilabel"])
    # The answer is the labels (no task's JSON); the stored text is them joined.
    assert all(r.response.text == r.scored.parsed for r in samples["test"])
    assert all(r.response.text == ", ".join(r.scored.parsed) for r in samples["multilabel"])


def test_classifier_oos_threshold_and_sigmoid_heads(data, db, tmp_path):
    ckpt = tiny_classifier(tmp_path, ["cancel_order", "track_order", "refund"])
    always_oos = run_eval(
        RunConfig(
            task="intent", model=str(ckpt), data=str(data), db=db, splits=("ood",), model_args={"oos_threshold": "1.0"}
        )
    )
    assert always_oos.metrics["ood"]["oos_recall"].value == 1.0
    assert always_oos.metrics["ood"]["in_scope_accuracy"].value == 0.0
    sigmoid = tiny_classifier(tmp_path, ["cancel_order", "track_order", "refund"], "multi_label_classification")
    everything = run_eval(
        RunConfig(
            task="intent",
            model=str(sigmoid),
            data=str(data),
            db=db,
            splits=("multilabel",),
            model_args={"label_threshold": "0.0"},
        )
    )
    samples = Store(db).sample_results(everything.run_id)["multilabel"]
    # Every class is over a 0.0 threshold; "refund" is not a label of the task, so it is reported, not scored.
    assert all(r.scored.parsed == ["cancel_order", "track_order"] for r in samples)
    assert all(r.scored.details["unknown_labels"] == ["refund"] for r in samples)
    assert "ece" in everything.metrics["multilabel"]


def test_classifier_lacking_task_labels_exits_2_before_any_run(data, db, tmp_path):
    ckpt = tiny_classifier(tmp_path, ["cancel_order", "refund", "oos"])
    result = harness_cli("run", "--task", "intent", "--model", str(ckpt), "--data", str(data), "--db", db)
    assert result.returncode == 2 and "lacks 1 label(s) the task has: track_order" in result.stderr
    assert not Path(db).exists() or Store(db).runs().empty


# ---- generative models: grammar and confidence ---------------------------------------------------------


def test_constrained_generation_always_names_a_label_and_reports_confidence(data, db, tmp_path):
    from tests.tiny_models import make_tiny_causal

    ckpt = make_tiny_causal(tmp_path / "tiny")
    summary = run_eval(RunConfig(task="intent", model=str(ckpt), data=str(data), db=db, constrained=True))
    samples = Store(db).sample_results(summary.run_id)
    for split, results in samples.items():
        for r in results:
            assert "error_type" not in r.scored.details or r.scored.details["error_type"].startswith("wrong"), split
            assert 0.0 < r.scored.details["confidence"] <= 1.0
    assert "ece" in summary.metrics["test"]


# ---- API models: structured output -------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_api_structured_output_under_the_label_enum(provider, data, db, monkeypatch):
    from harness.fake_server import FakeServer, Script

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    with FakeServer(Script.oracle("intent", data=str(data))) as server:
        url = server.openai_url if provider == "openai" else server.anthropic_url
        summary = run_eval(
            RunConfig(
                task="intent",
                data=str(data),
                db=db,
                model=f"{provider}:fake-model",
                mode="native",
                model_args={"base_url": url, "timeout": "5"},
            )
        )
        body = server.bodies[-1]
        schema = json.dumps(body.get("response_format") or body.get("tools"))
        assert "cancel_order" in schema and "enum" in schema
    assert summary.n_errors == 0
    assert summary.metrics["test"]["accuracy"].value == 1.0
    assert summary.metrics["multilabel"]["subset_accuracy"].value == 1.0


# ---- the shipped data ------------------------------------------------------------------------------------


def test_builtin_splits_sizes_tags_and_labels():
    from collections import Counter

    from harness.tasks.intent.intents import INTENTS

    task = IntentTask()
    splits = {s: list(task.load(s)) for s in task.splits}
    assert len(INTENTS) >= 20
    assert (len(splits["train"]), len(splits["test"]), len(splits["ood"]), len(splits["multilabel"])) >= (
        2000,
        600,
        300,
        300,
    )
    ood_tags = Counter(t for e in splits["ood"] for t in e.tags)
    assert ood_tags["oos"] >= 100 and ood_tags["shifted"] >= 100
    assert all(e.target == "out_of_scope" for e in splits["ood"] if "oos" in e.tags)
    assert all(isinstance(e.target, list) and 2 <= len(e.target) <= 3 for e in splits["multilabel"])
    labels = {
        label
        for examples in splits.values()
        for e in examples
        for label in ([e.target] if isinstance(e.target, str) else e.target)
    }
    assert labels <= set(INTENTS) | {"out_of_scope"}
    texts = Counter(e.inputs["text"] for examples in splits.values() for e in examples)
    assert max(texts.values()) == 1


def test_builtin_oracle_and_the_metric_set_per_split(db):
    summary = run_eval(RunConfig(task="intent", model="oracle", db=db, splits=("test", "ood", "multilabel"), limit=60))
    assert {"accuracy", "macro_f1"} <= set(summary.metrics["test"])
    assert {"oos_recall", "oos_precision", "in_scope_accuracy"} <= set(summary.metrics["ood"])
    assert {"subset_accuracy", "micro_f1", "hamming_loss"} <= set(summary.metrics["multilabel"])
    assert all(m.value == 1.0 for s in ("test", "ood") for k, m in summary.metrics[s].items() if k != "ece")
