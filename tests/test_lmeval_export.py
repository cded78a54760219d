"""``harness export-task --format lm-eval``: the files, the prompts, the metrics (equal to harness's own, sample
by sample) and lm-eval itself loading and running an exported task from another working directory."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from harness.errors import BadInput, UnknownName
from harness.interop.lmeval.export import LOCAL_CHAT, ExportSummary, export_tasks
from harness.registry import get_task
from harness.task import Task
from harness.types import Example, Response
from tests.conftest import TASK_DIR, harness_cli

BUILTIN = ("function_calling", "gis_command", "intent", "schema_json")
# Variants of each answer are scored on the first docs of every split; the oracle answer on all of them.
VARIANT_DOCS = 40


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> ExportSummary:
    """Every built-in task, exported once."""
    return export_tasks("all", "lm-eval", tmp_path_factory.mktemp("export") / "lm-eval")


@pytest.fixture(scope="module")
def utils(exported: ExportSummary) -> ModuleType:
    """The exported utils.py, imported as lm-eval imports it: from its file."""
    spec = importlib.util.spec_from_file_location("exported_utils", exported.out / "utils.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_docs(exported: ExportSummary, task: str, split: str) -> list[dict[str, Any]]:
    lines = (exported.out / task / f"{split}.jsonl").read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line]


def examples_by_id(task: Task, split: str) -> dict[str, Example]:
    return {example.id: example for example in task.load(split)}


# ---- the files ------------------------------------------------------------------------------------------


def test_one_yaml_and_one_data_file_per_split_named_as_agreed(exported):
    names = {(s.task, s.split): s.lm_eval_task for s in exported.splits}
    assert names == {
        ("function_calling", "test"): "harness_function_calling",
        ("function_calling", "ood"): "harness_function_calling_ood",
        ("gis_command", "test"): "harness_gis_command",
        ("gis_command", "ood"): "harness_gis_command_ood",
        ("intent", "test"): "harness_intent",
        ("intent", "ood"): "harness_intent_ood",
        ("intent", "multilabel"): "harness_intent_multilabel",
        ("schema_json", "test"): "harness_schema_json",
        ("schema_json", "ood"): "harness_schema_json_ood",
    }
    written = sorted(str(p.relative_to(exported.out)) for p in exported.out.rglob("*") if p.is_file())
    expected = {"README.md", "utils.py"} | {f"{n}.yaml" for n in names.values()}
    expected |= {f"{task}/{split}.jsonl" for task, split in names}
    assert written == sorted(expected) == sorted(exported.files)


@pytest.mark.parametrize("name", BUILTIN)
def test_docs_hold_the_prompt_harness_sends_a_local_chat_model(exported, name):
    task = get_task(name)
    for split in [s for s in task.splits if s != "train"]:
        examples = examples_by_id(task, split)
        docs = read_docs(exported, name, split)
        assert [d["id"] for d in docs] == list(examples)
        for doc in docs:
            example = examples[doc["id"]]
            request = task.render(example, LOCAL_CHAT)
            turns = [{"role": "system", "content": doc["system"]}] if doc["system"] else []
            turns.append({"role": "user", "content": doc["prompt"]})
            assert turns == [{"role": m.role, "content": m.content} for m in request.messages]
            assert doc["target"] == task.target_text(example)
            assert json.loads(doc["gold"]) == example.target
            assert all(isinstance(value, str) for value in doc.values()), doc["id"]


def test_yaml_generation_settings_are_the_requests(exported):
    for split in exported.splits:
        task = get_task(split.task)
        requests = [task.render(e, LOCAL_CHAT) for e in task.load(split.split)]
        assert {(r.max_tokens, r.stop, r.temperature) for r in requests} == {
            (split.max_gen_toks, split.until, split.temperature)
        }
        text = (exported.out / split.yaml_name).read_text()
        assert f"  max_gen_toks: {split.max_gen_toks}\n" in text
        assert f"  until: {json.dumps(list(split.until))}\n" in text
        assert "  do_sample: false\n  temperature: 0.0\n" in text
        assert "description: system\ndoc_to_text: prompt\ndoc_to_target: target\nnum_fewshot: 0\n" in text
        assert f"test_split: {json.dumps(split.split)}\n" in text


def test_exported_metrics_and_what_is_left_out(exported):
    by_split = {(s.task, s.split): (s.metrics, dict(s.left_out)) for s in exported.splits}
    assert by_split["schema_json", "test"][0] == ("json_parse", "exact_match", "field_accuracy")
    assert list(by_split["schema_json", "test"][1]) == ["schema_valid"]
    gis = ("exact_match", "levenshtein", "rouge1", "rougeL", "call_accuracy", "parse_rate")
    assert by_split["gis_command", "test"] == (gis, {})
    assert by_split["intent", "test"][0] == ("accuracy",)
    assert by_split["intent", "multilabel"][0] == ("accuracy", "subset_accuracy")
    assert {"macro_f1", "ece"} <= set(by_split["intent", "test"][1])
    assert {"oos_recall", "oos_precision", "in_scope_accuracy"} <= set(by_split["intent", "ood"][1])
    assert by_split["function_calling", "test"][0] == ("name_accuracy", "parse_rate")
    assert {"ast_accuracy", "ast_accuracy:irrelevance"} <= set(by_split["function_calling", "test"][1])
    readme = (exported.out / "README.md").read_text()
    for task, metric, _, why in exported.left_out():
        assert f"| {task} | {metric} |" in readme and why in readme
    assert "--include_path DIR --apply_chat_template" in readme


def test_re_export_gives_the_same_bytes_and_no_machine_paths(exported, tmp_path):
    again = export_tasks("schema_json,intent", "lm-eval", tmp_path / "again")
    for name in [*(f for s in again.splits for f in (s.yaml_name, s.data_file)), "utils.py"]:
        assert (tmp_path / "again" / name).read_bytes() == (exported.out / name).read_bytes(), name
    for path in [p for p in exported.out.rglob("*") if p.suffix in (".yaml", ".py", ".md")]:
        text = path.read_text()
        assert str(exported.out) not in text and str(Path.cwd()) not in text and "/tmp" not in text, path


def test_a_task_from_a_task_dir_exports_without_metrics(tmp_path):
    summary = export_tasks("echo", "lm-eval", tmp_path / "out", task_dir=str(TASK_DIR))
    assert [(s.lm_eval_task, s.metrics, s.process) for s in summary.splits] == [
        ("harness_echo", (), None),
        ("harness_echo_ood", (), None),
    ]
    assert dict(summary.splits[0].left_out) == {
        "exact_match": "task echo is not built into harness: its score() runs only in harness"
    }
    text = (tmp_path / "out" / "harness_echo.yaml").read_text()
    assert "process_results: !function utils.no_metrics\nmetric_list: []\n" in text
    assert "  until: []\n  max_gen_toks: 256\n" in text


@pytest.mark.parametrize(
    ("call", "error", "needle"),
    [
        (lambda out: export_tasks("gis_command", "inspect", out), UnknownName, "unknown format 'inspect'"),
        (lambda out: export_tasks("nope", "lm-eval", out), UnknownName, "unknown task 'nope'"),
        (lambda out: export_tasks(" , ", "lm-eval", out), BadInput, "--task: name a task"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(tmp_path, call, error, needle):
    with pytest.raises(error, match=needle):
        call(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_refuses_bad_input_in_one_line_and_force_writes_into_a_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("kept")
    cases = [
        (["--task", "nope", "--format", "lm-eval", "--out", str(tmp_path / "new")], "unknown task 'nope'"),
        (["--task", "intent", "--format", "inspect", "--out", str(tmp_path / "new")], "unknown format 'inspect'"),
        (["--task", "intent", "--format", "lm-eval", "--out", str(out)], "folder is not empty"),
        (["--task", "intent", "--format", "lm-eval", "--out", str(out / "mine.txt")], "is a file"),
    ]
    for args, needle in cases:
        result = harness_cli("export-task", *args)
        assert result.returncode == 2, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.stderr, result.stderr
    result = harness_cli("export-task", "--task", "gis_command", "--format", "lm-eval", "--out", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert "harness_gis_command_ood: gis_command ood, 216 docs" in result.stdout
    assert f"--tasks harness_gis_command,harness_gis_command_ood --include_path {out} --apply_chat_template" in (
        result.stdout
    )
    assert (out / "mine.txt").read_text() == "kept" and (out / "harness_gis_command.yaml").is_file()


# ---- the metrics: utils.py gives harness's own per-sample values ------------------------------------------


def garbled(text: str, rng: random.Random) -> list[str]:
    """Answers a model might give instead of the right one."""
    noise = "".join(rng.choice("abcXYZ019 {}[]()\"':,;._-\n\tµé😀") for _ in range(rng.randint(1, 40)))
    return [
        text,
        "",
        "   \n",
        f"  {text}\n",
        text[: len(text) // 2],
        text.upper(),
        text.lower(),
        f"Sure! Here it is:\n```json\n{text}\n```\nAnything else?",
        f"```\n{text}",
        f"[draft] ```json\n{text}",
        f"The answer is {text} I hope.",
        text.replace('"', "'"),
        text.replace("_", " "),
        text + text,
        "I cannot help with that request.",
        noise,
        text[::-1],
    ]


def json_variants(text: str) -> list[str]:
    """The same JSON written otherwise, and JSON with one thing changed."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return []
    out = [json.dumps(value, indent=2), json.dumps(value, ensure_ascii=True), '{"a": NaN}', "[1, 2,", "null"]
    out += [json.dumps(scaled_first_number(value, factor)) for factor in (1 + 1e-12, 1 + 1e-6)]
    if isinstance(value, dict) and value:
        first = next(iter(value))
        out += [
            json.dumps({k: v for k, v in value.items() if k != first}),
            json.dumps({**value, "extra": 1}),
            json.dumps({**value, first: str(value[first]) + " "}),
            json.dumps({**value, first: 7}),
            json.dumps({**value, first: [value[first]]}),
            json.dumps(dict(reversed(list(value.items())))),
        ]
    return out


def scaled_first_number(value: Any, factor: float) -> Any:
    """``value`` with its first number (depth first) multiplied by ``factor``."""
    done = False

    def walk(node: Any) -> Any:
        nonlocal done
        if isinstance(node, dict):
            return {key: walk(child) for key, child in node.items()}
        if isinstance(node, list):
            return [walk(child) for child in node]
        if isinstance(node, (int, float)) and not isinstance(node, bool) and not done:
            done = True
            return node * factor
        return node

    return walk(value)


def calls_variants(text: str) -> list[str]:
    """function_calling answers in every form harness decodes, and broken ones."""
    try:
        calls = json.loads(text)
    except json.JSONDecodeError:
        return []
    as_python = [f"{c['name']}({', '.join(f'{k}={v!r}' for k, v in c['arguments'].items())})" for c in calls]
    out = [
        "[" + ", ".join(as_python) + "]",
        "; ".join(as_python),
        "\n".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in calls),
        json.dumps({"tool_calls": [{"function": {**c, "arguments": json.dumps(c["arguments"])}} for c in calls]}),
        json.dumps(calls[:-1]),
        json.dumps(calls + calls[:1]),
        json.dumps([{"name": c["name"], "parameters": c["arguments"]} for c in calls]),
        json.dumps([{"name": c["name"], "arguments": "{not json"} for c in calls]),
        "<tool_call>{broken</tool_call>",
        "[]",
        "get_weather(city='Lyon'",
        "[f(1), 2]",
    ]
    if calls:
        out.append(json.dumps(calls[0]))
        out.append(json.dumps([{**calls[0], "name": "some_other_tool"}]))
    return out


def gis_variants(text: str) -> list[str]:
    """Commands written otherwise, and near misses."""
    return [
        text.replace("; ", "\n"),
        text.replace("'", '"'),
        text + ";",
        text.replace("(", " ("),
        text.replace("(", "(*"),
        text.replace(")", ", True)", 1),
        text.replace(")", ", true)", 1),
        text.replace(")", ", x=1)", 1),
        text.replace(")", ", x=1, x=2)", 1),
        "map." + text,
        text.replace("1", "1.0"),
        text.replace("2", "3"),
        "ZoomIn(3); ZoomIn(3)",
        "ZoomIn(levels=3)",
        "x = 1",
        "ZoomIn(3) + 1",
        "# " + text,
    ]


def intent_variants(doc: dict[str, Any]) -> list[str]:
    """Labels in every form harness reads, and wrong or unknown ones."""
    gold = json.loads(doc["gold"])
    labels = json.loads(doc["labels"])
    golds = gold if isinstance(gold, list) else [gold]
    first = golds[0] if golds else labels[0]
    return [
        first,
        first.upper(),
        f'"{first}"',
        f"`{first}`.",
        f"'{first}'",
        f"{first}.",
        ", ".join(f"'{g}'" for g in golds),
        ", ".join(golds),
        json.dumps({"intent": first}),
        json.dumps({"intents": golds}),
        json.dumps({"intents": [*golds, labels[0]]}),
        json.dumps({"label": first}),
        json.dumps({"labels": golds[::-1]}),
        json.dumps(golds),
        json.dumps({"intent": "not_a_label"}),
        json.dumps({"intent": 3}),
        json.dumps({"intent": None}),
        json.dumps({"other": first}),
        "out_of_scope",
        labels[-1],
    ]


def answers(name: str, doc: dict[str, Any], rng: random.Random) -> list[str]:
    target = doc["target"]
    extra = {
        "schema_json": lambda: json_variants(target),
        "function_calling": lambda: calls_variants(target),
        "gis_command": lambda: gis_variants(target),
        "intent": lambda: intent_variants(doc),
    }[name]()
    return garbled(target, rng) + extra


@pytest.mark.parametrize("name", BUILTIN)
def test_utils_scores_equal_harness_scores_sample_by_sample(exported, utils, name):
    task = get_task(name)
    rng = random.Random(name)
    process = getattr(utils, f"process_{name}")
    compared = 0
    for split in [s for s in exported.splits if s.task == name]:
        examples = examples_by_id(task, split.split)
        for index, doc in enumerate(read_docs(exported, name, split.split)):
            example = examples[doc["id"]]
            texts = answers(name, doc, rng) if index < VARIANT_DOCS else [doc["target"]]
            for text in texts:
                theirs = task.score(example, Response(text=text)).scores
                ours = process(doc, [text])
                assert ours == {m: v for m, v in theirs.items() if m in split.metrics}, (doc["id"], text)
                compared += 1
            if index == 0:
                assert process(doc, [doc["target"]]) == dict.fromkeys(split.metrics, 1.0)
    assert compared > 100


def test_text_metrics_equal_rapidfuzz_and_rouge_score_on_random_texts(utils):
    task = get_task("gis_command")
    rng = random.Random(7)
    alphabet = "ab AB01.,'();\n\tµİß😀-_"
    for _ in range(300):
        prediction, reference = ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in "pr")
        if not reference.strip():
            reference += "x"
        example = Example("x", "test", {"text": "?", "builtin_commands": True}, reference)
        theirs = task.score(example, Response(text=prediction)).scores
        assert utils.process_gis_command({"target": reference}, [prediction]) == theirs, (prediction, reference)


# ---- lm-eval loads and runs an exported task ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_chat_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    from tests.tiny_models import make_tiny_causal

    return make_tiny_causal(tmp_path_factory.mktemp("tiny") / "causal")


def test_render_options_are_those_of_harness_local_chat_backend(tiny_chat_model):
    from harness.models.base import LoadOptions
    from harness.models.hf import load_checkpoint

    backend = load_checkpoint(str(tiny_chat_model), str(tiny_chat_model), {}, LoadOptions())
    assert backend.caps == LOCAL_CHAT.caps
    assert (LOCAL_CHAT.mode, LOCAL_CHAT.constrained, LOCAL_CHAT.shots) == ("prompt", False, ())


def test_lm_eval_runs_an_exported_task_from_another_directory(exported, tiny_chat_model, tmp_path, monkeypatch):
    pytest.importorskip("lm_eval")
    import lm_eval
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.models.hf import render_prompt

    # utils.load_docs builds in-memory datasets (no datasets cache); conftest keeps the hubs offline.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the YAML's relative data_files must not depend on the working directory

    manager = TaskManager(include_path=str(exported.out))
    assert {s.lm_eval_task for s in exported.splits} <= set(manager.all_tasks)
    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_chat_model)
    results = lm_eval.simple_evaluate(
        model=HFLM(pretrained=model, tokenizer=tokenizer, batch_size=2),
        tasks=["harness_gis_command"],
        task_manager=manager,
        limit=2,
        apply_chat_template=True,
        log_samples=True,
        bootstrap_iters=0,
    )

    task = get_task("gis_command")
    examples = examples_by_id(task, "test")
    samples = results["samples"]["harness_gis_command"]
    assert len(samples) == 2
    metrics = next(s.metrics for s in exported.splits if s.lm_eval_task == "harness_gis_command")
    for sample in samples:
        example = examples[sample["doc"]["id"]]
        context, gen_kwargs = sample["arguments"][0]
        assert context == render_prompt(tokenizer, task.render(example, LOCAL_CHAT))
        assert gen_kwargs["until"] == ["\n"] and gen_kwargs["max_gen_toks"] == 96
        theirs = task.score(example, Response(text=sample["filtered_resps"][0])).scores
        assert {m: sample[m] for m in metrics} == {m: theirs[m] for m in metrics}
    summary = results["results"]["harness_gis_command"]
    for metric in metrics:
        assert summary[f"{metric},none"] == pytest.approx(sum(s[metric] for s in samples) / 2)
    assert list(elsewhere.iterdir()) == []
