"""function_calling: the shipped data, scoring through replays, BFCL files, modes, grammars and the API."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from harness.errors import BadInput
from harness.runner import run_eval
from harness.task import RenderOptions
from harness.tasks.function_calling.bfcl import convert_schema
from harness.tasks.function_calling.datagen.domains import ID_DOMAINS, OOD_DOMAINS, load_domain
from harness.tasks.function_calling.datagen.toolspec import check_tools
from harness.tasks.function_calling.task import FunctionCallingTask, calls_schema
from harness.types import ModelCaps, Response, RunConfig, ToolCall
from tests.conftest import harness_cli

TASK = FunctionCallingTask()
CATEGORIES = ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance")


@pytest.fixture(scope="module")
def splits():
    return {split: list(TASK.load(split)) for split in TASK.splits}


# ---- the shipped data ------------------------------------------------------------------------------------


def test_every_domain_is_sound():
    for name in (*ID_DOMAINS, *OOD_DOMAINS):
        assert check_tools(load_domain(name).TOOLS, draws=60) == [], name


def test_sizes_categories_and_domains(splits):
    assert (len(splits["train"]), len(splits["test"]), len(splits["ood"])) >= (1500, 400, 200)
    for split, examples in splits.items():
        counts = Counter(next(t for t in e.tags if t in CATEGORIES) for e in examples)
        assert set(counts) == set(CATEGORIES), split
        assert min(counts.values()) >= 20, (split, counts)
    id_tools = {t["name"] for e in splits["train"] for t in e.inputs["tools"]}
    ood_tools = {t["name"] for e in splits["ood"] for t in e.inputs["tools"]}
    test_tools = {t["name"] for e in splits["test"] for t in e.inputs["tools"]}
    assert len(id_tools | ood_tools) >= 40
    assert len(ID_DOMAINS) >= 8
    assert test_tools <= id_tools
    assert not ood_tools & id_tools
    id_domains = {t.split(":")[1] for e in splits["train"] for t in e.tags if t.startswith("domain:")}
    ood_domains = {t.split(":")[1] for e in splits["ood"] for t in e.tags if t.startswith("domain:")}
    assert not id_domains & ood_domains


def test_no_request_repeats_across_splits(splits):
    texts = Counter(e.inputs["messages"][-1]["content"] for examples in splits.values() for e in examples)
    repeated = {text for text, n in texts.items() if n > 1}
    # Only a few general questions are asked twice (with other tools offered); no tool request repeats.
    assert all(
        not any(e.target for ex in splits.values() for e in ex if e.inputs["messages"][-1]["content"] == t)
        for t in repeated
    )


def test_categories_match_their_targets(splits):
    for examples in splits.values():
        for e in examples:
            names = [next(iter(call)) for call in e.target]
            category = next(t for t in e.tags if t in CATEGORIES)
            offered = {t["name"] for t in e.inputs["tools"]}
            assert set(names) <= offered
            if category == "irrelevance":
                assert names == []
            elif category == "simple":
                assert len(names) == 1 and len(offered) == 1
            elif category == "multiple":
                assert len(names) == 1 and len(offered) > 1
            elif category == "parallel":
                assert len(names) > 1 and len(set(names)) == 1
            else:
                assert len(set(names)) > 1


# ---- scoring through replays -------------------------------------------------------------------------------


def run(db, tmp_path, lines=None, **kw):
    model = "oracle"
    if lines is not None:
        path = tmp_path / "replay.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        model = f"replay:{path}"
    return run_eval(RunConfig(task="function_calling", model=model, db=db, **kw))


def test_a_perfect_replay_of_the_test_split_scores_one(db, tmp_path, splits):
    summary = run(db, tmp_path, splits=("test",))
    metrics = summary.metrics["test"]
    assert summary.n_samples == len(splits["test"]) and summary.n_errors == 0
    for name, value in metrics.items():
        assert value.value == 1.0, name
    assert {f"ast_accuracy:{c}" for c in CATEGORIES} <= set(metrics)


def test_perfect_replay_as_native_tool_calls_scores_one(db, tmp_path, splits):
    lines = [{"id": e.id, "tool_calls": json.loads(TASK.target_text(e))} for e in splits["test"][:60]]
    summary = run(db, tmp_path, lines, splits=("test",), limit=60)
    assert summary.metrics["test"]["ast_accuracy"].value == 1.0


def first(examples, category):
    return next(e for e in examples if category in e.tags)


def string_required(example):
    """The first required parameter of the example's one call whose value is a string, or None."""
    tool = example.inputs["tools"][0]
    arguments = json.loads(TASK.target_text(example))[0]["arguments"]
    return next((k for k in tool["parameters"]["required"] if isinstance(arguments.get(k), str)), None)


def score_calls(example, calls):
    return TASK.score(example, Response(text=json.dumps(calls)))


def test_one_wrong_value_one_missing_required_swapped_parallel_and_irrelevance(splits):
    test = splits["test"]
    simple = next(e for e in test if "simple" in e.tags and string_required(e))
    right = json.loads(TASK.target_text(simple))
    assert score_calls(simple, right).scores == {"ast_accuracy": 1.0, "name_accuracy": 1.0, "parse_rate": 1.0}

    tool = simple.inputs["tools"][0]
    required = tool["parameters"]["required"]
    wrong = json.loads(json.dumps(right))
    key = string_required(simple)
    wrong[0]["arguments"][key] = "Atlantis-9"
    scored = score_calls(simple, wrong)
    assert scored.scores == {"ast_accuracy": 0.0, "name_accuracy": 1.0, "parse_rate": 1.0}
    assert scored.details["error_type"] == "value_error"

    missing = json.loads(json.dumps(right))
    del missing[0]["arguments"][required[0]]
    assert score_calls(simple, missing).details["error_type"] == "missing_required"

    parallel = first(test, "parallel")
    calls = json.loads(TASK.target_text(parallel))
    assert score_calls(parallel, list(reversed(calls))).scores["ast_accuracy"] == 1.0
    assert score_calls(parallel, calls[:1]).details["error_type"] == "wrong_count"

    irrelevance = first(test, "irrelevance")
    offered = irrelevance.inputs["tools"][0]["name"]
    scored = score_calls(irrelevance, [{"name": offered, "arguments": {}}])
    assert scored.scores["ast_accuracy"] == 0.0 and scored.details["error_type"] == "irrelevance_called"
    assert score_calls(irrelevance, []).scores["ast_accuracy"] == 1.0
    prose = TASK.score(irrelevance, Response(text="None of these tools can answer that."))
    assert prose.scores == {"ast_accuracy": 1.0, "name_accuracy": 1.0, "parse_rate": 0.0}  # words: no call
    cut = TASK.score(irrelevance, Response(text=f'[{{"name": "{offered}", "arguments": {{"a": "aaaa'))
    assert cut.scores["ast_accuracy"] == 0.0 and cut.details["error_type"] == "parse_error"  # not an abstention


def test_format_failures_are_told_apart_from_wrong_calls(splits):
    simple = first(splits["test"], "simple")
    cut = TASK.score(simple, Response(text='[{"name": "x", "arguments": {"a"'))
    assert cut.scores["parse_rate"] == 0.0 and cut.details["error_type"] == "parse_error"
    prose = TASK.score(simple, Response(text="Sure, I will do that for you."))
    assert prose.details["error_type"] == "no_call"
    native_none = TASK.score(simple, Response(text="", tool_calls=()))
    assert native_none.details["error_type"] == "no_call" and native_none.scores["parse_rate"] == 1.0
    broken = TASK.score(simple, Response(tool_calls=(), meta={"invalid_tool_calls": [{"name": "x", "arguments": "{"}]}))
    assert broken.details["error_type"] == "parse_error"
    errored = TASK.score(simple, Response(error="timeout"))
    assert errored.scores == {"ast_accuracy": 0.0, "name_accuracy": 0.0, "parse_rate": 0.0}
    python = TASK.score(simple, Response(text=python_syntax(json.loads(TASK.target_text(simple)))))
    assert python.scores["ast_accuracy"] == 1.0 and python.details["decoded"] == "python"


def python_syntax(calls):
    return (
        "["
        + ", ".join(f"{c['name']}({', '.join(f'{k}={v!r}' for k, v in c['arguments'].items())})" for c in calls)
        + "]"
    )


def test_error_types_are_stored_and_exported(db, tmp_path, splits):
    test = splits["test"][:12]
    lines = [{"id": e.id, "output": "I would rather not."} for e in test]
    summary = run(db, tmp_path, lines, splits=("test",), limit=12)
    out = tmp_path / "samples.jsonl"
    result = harness_cli("export", "--run", summary.run_id, "--out", str(out), "--db", db)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    from harness.store import Store

    details = Store(db).sample_results(summary.run_id)["test"]
    kinds = Counter(r.scored.details.get("error_type") for r in details)
    assert kinds[None] == sum("irrelevance" in e.tags for e in test)
    assert kinds["no_call"] == len(test) - kinds[None]
    assert len(rows) == 12


# ---- rendering, modes and grammars ----------------------------------------------------------------------


def test_prompt_mode_lists_tools_and_asks_for_json(splits):
    example = first(splits["test"], "multiple")
    request = TASK.render(example, RenderOptions(constrained=True))
    assert request.tools is None and request.constrained
    assert request.messages[0].role == "system" and "JSON list" in request.messages[0].content
    assert json.dumps(example.inputs["tools"][0]["name"]) in request.messages[-1].content
    assert request.response_schema == calls_schema(example.inputs["tools"])


def test_native_mode_passes_tools_and_needs_a_backend_that_takes_them(splits):
    example = first(splits["test"], "multiple")
    native = RenderOptions(caps=ModelCaps(native_tools=True), mode="native")
    request = TASK.render(example, native)
    assert request.tools == tuple(example.inputs["tools"]) and request.response_schema is None
    assert request.messages[-1].content == example.inputs["messages"][-1]["content"]
    TASK.check_options(native, [example])
    with pytest.raises(BadInput, match="no native tool calling"):
        TASK.check_options(RenderOptions(mode="native"), [example])
    with pytest.raises(BadInput, match="--shots"):
        TASK.check_options(RenderOptions(caps=ModelCaps(native_tools=True), mode="native", shots=(example,)), [])


def test_every_oracle_answer_is_reachable_under_the_grammar(splits):
    """The grammar built from the offered tools accepts each test/ood target answer, token by token."""
    import xgrammar as xgr

    from tests.tiny_models import make_tokenizer

    tokenizer = make_tokenizer()
    info = xgr.TokenizerInfo.from_huggingface(
        tokenizer, vocab_size=len(tokenizer), stop_token_ids=[tokenizer.eos_token_id]
    )
    compiler = xgr.GrammarCompiler(info, max_threads=2)
    for example in splits["test"] + splits["ood"]:
        grammar = compiler.compile_json_schema(calls_schema(example.inputs["tools"]), any_whitespace=False)
        matcher = xgr.GrammarMatcher(grammar)
        tokens = tokenizer.encode(TASK.target_text(example))
        assert all(matcher.accept_token(t) for t in tokens), example.id
        assert matcher.accept_token(tokenizer.eos_token_id) and matcher.is_terminated(), example.id


def test_constrained_tiny_model_always_answers_a_call_list(tmp_path, db):
    from tests.tiny_models import make_tiny_causal

    ckpt = make_tiny_causal(tmp_path / "tiny")
    summary = run_eval(
        RunConfig(task="function_calling", model=str(ckpt), db=db, splits=("test",), limit=6, constrained=True)
    )
    assert summary.n_errors == 0
    assert summary.metrics["test"]["parse_rate"].value == 1.0


def test_a_chat_template_with_tools_gets_them_in_native_mode(tmp_path, db, splits):
    from harness.models.hf import render_prompt, template_takes_tools
    from tests.tiny_models import make_tokenizer

    tokenizer = make_tokenizer()
    assert not template_takes_tools(tokenizer)
    tokenizer.chat_template = (
        "{% if tools %}<|im_start|>system\nTools: {{ tools | tojson }}<|im_end|>\n{% endif %}"
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    assert template_takes_tools(tokenizer)
    example = first(splits["test"], "simple")
    request = TASK.render(example, RenderOptions(caps=ModelCaps(native_tools=True), mode="native"))
    prompt = render_prompt(tokenizer, request)
    assert f'"name": "{example.inputs["tools"][0]["name"]}"' in prompt


# ---- BFCL files ------------------------------------------------------------------------------------------

BFCL_FUNCTION = {
    "name": "calculate_triangle_area",
    "description": "Calculate the area of a triangle given its base and height.",
    "parameters": {
        "type": "dict",
        "properties": {
            "base": {"type": "integer", "description": "The base of the triangle."},
            "height": {"type": "float", "description": "The height of the triangle."},
            "unit": {"type": "string", "description": "The unit of measure (defaults to 'units')."},
            "corners": {"type": "tuple", "items": {"type": "float"}, "description": "Corner angles."},
            "meta": {"type": "any", "description": "Anything."},
        },
        "required": ["base", "height"],
    },
}


def write_bfcl(tmp_path: Path, name: str, questions, answers=None):
    qpath = tmp_path / name
    qpath.write_text("".join(json.dumps(q) + "\n" for q in questions))
    apath = None
    if answers is not None:
        apath = tmp_path / f"answer_{name}"
        apath.write_text("".join(json.dumps(a) + "\n" for a in answers))
    return qpath, apath


def question(qid, text, functions=(BFCL_FUNCTION,)):
    return {"id": qid, "question": [[{"role": "user", "content": text}]], "function": list(functions)}


def test_bfcl_types_become_json_schema():
    schema = convert_schema(BFCL_FUNCTION["parameters"], "f")
    assert schema["type"] == "object"
    props = schema["properties"]
    assert props["height"]["type"] == "number" and props["base"]["type"] == "integer"
    assert props["corners"] == {"type": "array", "items": {"type": "number"}, "description": "Corner angles."}
    assert "type" not in props["meta"]


def test_bfcl_question_and_answer_files_are_read_and_scored(tmp_path, db):
    qpath, apath = write_bfcl(
        tmp_path,
        "BFCL_v3_simple.json",
        [question("simple_0", "Find the area of a triangle with a base of 10 units and height of 5 units.")],
        [
            {
                "id": "simple_0",
                "ground_truth": [{"calculate_triangle_area": {"base": [10], "height": [5.0], "unit": ["units", ""]}}],
            }
        ],
    )
    examples = TASK.load_data(str(qpath), answers=str(apath))
    assert [e.id for e in examples] == ["simple_0"]
    assert examples[0].tags[:2] == ("simple", "bfcl:simple")
    replay = tmp_path / "out.jsonl"
    replay.write_text(json.dumps({"id": "simple_0", "output": "[calculate_triangle_area(base=10, height=5)]"}) + "\n")
    summary = run_eval(
        RunConfig(task="function_calling", model=f"replay:{replay}", data=str(qpath), answers=str(apath), db=db)
    )
    assert summary.metrics["test"]["ast_accuracy"].value == 1.0


def test_bfcl_categories_from_ids_and_file_names(tmp_path):
    other = {"name": "get_weather", "description": "d", "parameters": {"type": "dict", "properties": {}}}
    qpath, _ = write_bfcl(tmp_path, "BFCL_v3_irrelevance.json", [question("irrelevance_3", "What is love?")])
    (example,) = TASK.load_data(str(qpath))
    assert example.target == [] and "irrelevance" in example.tags
    qpath, apath = write_bfcl(
        tmp_path,
        "mine.json",
        [question("live_parallel_multiple_2-1-0", "Area of two triangles, and weather", [BFCL_FUNCTION, other])],
        [
            {
                "id": "live_parallel_multiple_2-1-0",
                "ground_truth": [{"get_weather": {}}, {"calculate_triangle_area": {"base": [1], "height": [2.0]}}],
            }
        ],
    )
    (example,) = TASK.load_data(str(qpath), answers=str(apath))
    assert example.tags == ("parallel_multiple", "bfcl:live_parallel_multiple", "live")


@pytest.mark.parametrize(
    ("questions", "answers", "message"),
    [
        ([question("simple_1", "x")], None, "needs its answer: pass --answers"),
        ([question("simple_1", "x")], [{"id": "simple_2", "ground_truth": []}], "no answer for id 'simple_1'"),
        ([question("live_relevance_1", "x")], None, "'live_relevance' is not supported"),
        ([question("weird_1", "x")], None, "cannot tell the BFCL category of 'weird_1'"),
        (
            [
                {
                    "id": "simple_1",
                    "question": [[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]],
                    "function": [BFCL_FUNCTION],
                }
            ],
            [{"id": "simple_1", "ground_truth": []}],
            "multi-turn",
        ),
    ],
)
def test_bfcl_errors_name_the_line_and_the_fix(tmp_path, questions, answers, message):
    qpath, apath = write_bfcl(tmp_path, "questions.json", questions, answers)
    with pytest.raises(BadInput, match=message) as info:
        TASK.load_data(str(qpath), answers=str(apath) if apath else None)
    assert "questions.json" in str(info.value) or message.startswith("no answer")


# ---- the CLI ------------------------------------------------------------------------------------------------


def test_cli_runs_the_oracle_and_refuses_bad_combinations(db, tmp_path):
    ok = harness_cli(
        "run", "--task", "function_calling", "--model", "oracle", "--split", "ood", "--limit", "25", "--db", db
    )
    assert ok.returncode == 0, ok.stderr
    assert "ast_accuracy:parallel" in ok.stdout
    native = harness_cli("run", "--task", "function_calling", "--model", "oracle", "--mode", "native", "--db", db)
    assert native.returncode == 2 and "no native tool calling" in native.stderr
    answers = harness_cli("run", "--task", "function_calling", "--model", "oracle", "--answers", "a.json", "--db", db)
    assert answers.returncode == 2 and "--answers goes with --data" in answers.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"messages": [{"role": "user", "content": "hi"}], "tools": [], "target": [{"f": {}}]}) + "\n"
    )
    result = harness_cli("run", "--task", "function_calling", "--model", "oracle", "--data", str(bad), "--db", db)
    assert result.returncode == 2
    assert f"{bad}:1: target[0] calls 'f', which is not among the record's tools" in result.stderr


def test_native_api_tool_calling_through_both_sdks(tmp_path, db, monkeypatch, splits):
    """The fake server answers with each example's calls as native tool calls (none for irrelevance)."""
    from harness.fake_server import FakeServer, Script

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    subset = [e for c in CATEGORIES for e in [x for x in splits["ood"] if c in x.tags][:3]]
    data = tmp_path / "subset.jsonl"
    data.write_text("".join(json.dumps(record_of(e)) + "\n" for e in subset))
    with FakeServer(Script.oracle("function_calling", data=str(data))) as server:
        for provider, url in (("openai", server.openai_url), ("anthropic", server.anthropic_url)):
            summary = run_eval(
                RunConfig(
                    task="function_calling",
                    data=str(data),
                    db=db,
                    model=f"{provider}:fake-model",
                    mode="native",
                    model_args={"base_url": url, "timeout": "5"},
                )
            )
            assert summary.n_errors == 0, provider
            assert summary.metrics["test"]["ast_accuracy"].value == 1.0, provider
        assert any("tools" in body for body in server.bodies)


def record_of(example):
    return {
        "id": example.id,
        "tags": list(example.tags),
        "messages": list(example.inputs["messages"]),
        "tools": example.inputs["tools"],
        "target": example.target,
    }


def test_tool_calls_in_responses_count_even_with_text():
    example = next(e for e in TASK.load("test") if "simple" in e.tags)
    calls = json.loads(TASK.target_text(example))
    response = Response(text="Calling it now.", tool_calls=tuple(ToolCall(c["name"], c["arguments"]) for c in calls))
    assert TASK.score(example, response).scores["ast_accuracy"] == 1.0


# ---- attempts: the verifier and canonical answers (issue 19) ---------------------------------------------------


def test_verify_checks_names_and_schemas_and_never_reads_the_target(splits):
    from dataclasses import replace

    examples = [e for e in splits["test"] if "multiple" in e.tags][:5]
    for example in examples:
        calls = json.loads(TASK.target_text(example))
        tool = example.inputs["tools"][0]
        responses = [
            Response(text=TASK.target_text(example)),
            Response(text="[]"),
            Response(text='[{"name": "no_such_tool", "arguments": {}}]'),
            Response(text=json.dumps([{"name": tool["name"], "arguments": {"zz_unknown": 1}}])),
            Response(text='[{"name": '),
        ]
        verdicts = [TASK.verify(example, r) for r in responses]
        assert verdicts == [True, True, False, False, False], example.id
        swapped = replace(example, target=None)
        assert [TASK.verify(swapped, r) for r in responses] == verdicts
        other = replace(example, target=[{tool["name"]: {}}])
        assert [TASK.verify(other, r) for r in responses] == verdicts
        assert calls  # a multiple example calls something
    assert TASK.verify(examples[0], Response(error="timeout")) is None


def test_canonical_answers_are_equal_when_the_checker_cannot_tell_them_apart(splits):
    from dataclasses import replace

    example = next(e for e in splits["test"] if "parallel" in e.tags)
    calls = json.loads(TASK.target_text(example))
    reordered = [
        {"name": c["name"], "arguments": {k: v.upper() if isinstance(v, str) else v for k, v in c["arguments"].items()}}
        for c in reversed(calls)
    ]
    first = TASK.canonical_answer(example, Response(text=json.dumps(calls)))
    assert first is not None
    assert TASK.canonical_answer(example, Response(text=json.dumps(reordered))) == first
    native = Response(tool_calls=tuple(ToolCall(c["name"], c["arguments"]) for c in calls))
    assert TASK.canonical_answer(example, native) == first
    assert TASK.canonical_answer(replace(example, target=None), native) == first
    assert TASK.canonical_answer(example, Response(text="[]")) == "[]"
    assert TASK.canonical_answer(example, Response(text='[{"name": ')) is None
    assert TASK.canonical_answer(example, Response(text=json.dumps(calls[:1]))) != first
    assert TASK.canonical_answer(example, Response(text='[{"name": "f", "arguments": {"n": 2}}]')) == (
        TASK.canonical_answer(example, Response(text='[{"name": "f", "arguments": {"n": 2.0}}]'))
    )
