"""Batched prompt-lookup decoding (harness/models/hf/prompt_lookup.py): greedy's outputs in fewer passes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import torch

from harness.models.base import LoadOptions
from harness.models.hf import prompt_lookup
from harness.models.hf.backend import HFBackend
from harness.models.hf.generation import encode_prompts, render_prompt
from harness.models.hf.prompt_lookup import (
    LookupDecoder,
    Row,
    agreement,
    choose_width,
    expected_kept,
    lookup_rows,
    propose,
    serves,
)
from harness.registry import get_task, resolve_model
from harness.task import RenderOptions
from harness.types import Message, Request
from tests.test_prefix_cache import COLOUR_SCHEMA, SYSTEM, load, observable
from tests.tiny_models import make_tiny_causal, make_tiny_seq2seq

torch.set_num_threads(1)

LIST_SCHEMA = {"type": "array", "items": {"type": "string", "maxLength": 12}, "maxItems": 4}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A random tiny causal checkpoint, and one whose attention output is scaled down 100 times.

    The second is still a real transformer, but its next token depends mostly on the current one, so
    its greedy output soon repeats itself: the case prompt lookup is for (its proposals are kept).
    """
    root = tmp_path_factory.mktemp("lookup")
    random_path = make_tiny_causal(root / "random")
    return {"random": random_path, "copying": make_tiny_causal(root / "copying")}


@pytest.fixture(scope="module")
def pairs(checkpoints: dict[str, Path]) -> dict[str, tuple[HFBackend, HFBackend]]:
    """(prompt lookup on, off) for each checkpoint, prefix cache off: each feature on its own."""
    loaded = {name: (load(path, False, True), load(path, False, False)) for name, path in checkpoints.items()}
    with torch.no_grad():
        for backend in loaded["copying"]:
            for layer in backend.model.model.layers:
                layer.self_attn.o_proj.weight.mul_(0.01)
    return loaded


def ask(user: str, **fields: Any) -> Request:
    """A system turn and one user turn."""
    return Request(messages=(Message("system", SYSTEM), Message("user", user)), **fields)


def passes_and_outputs(backend: HFBackend, requests: list[Request]) -> tuple[int, list[list[int]]]:
    """Forward passes prompt lookup made for one batch, and each row's tokens."""
    encoded = encode_prompts(backend, [render_prompt(backend.tokenizer, r) for r in requests])
    rows, _ = lookup_rows(backend, requests, encoded)
    decoder = LookupDecoder(backend, rows)
    with torch.inference_mode():
        decoder.run(encoded)
    return decoder.forward_passes, [row.out for row in rows]


def test_propose_takes_the_latest_earlier_occurrence_of_the_longest_ngram() -> None:
    assert propose([1, 2, 3, 9, 8, 1, 2, 3], 2) == [9, 8]  # the 3-gram [1, 2, 3]
    assert propose([5, 6, 7, 5, 6, 8, 4, 5, 6], 2) == [8, 4]  # [5, 6] twice before: the later one
    assert propose([4, 1, 2, 7, 4], 3) == [1, 2, 7]  # no 3- or 2-gram match: the 1-gram [4]
    assert propose([4, 1, 4], 5) == [1, 4]  # as many as there are
    assert propose([1, 2, 3], 4) == [] and propose([1, 1], 0) == []


def test_only_greedy_causal_batches_are_served(pairs: dict[str, tuple[HFBackend, HFBackend]], tmp_path: Path) -> None:
    on, off = pairs["random"]
    greedy, sampled = ask("red", max_tokens=4, logprobs=True), ask("red", max_tokens=4, temperature=0.7)
    assert serves(on, [greedy]) and not serves(on, [greedy, sampled]) and not serves(off, [greedy])
    seq2seq = load(make_tiny_seq2seq(tmp_path / "t5"), False, True)
    assert not seq2seq.prompt_lookup and not serves(seq2seq, [greedy])


@pytest.mark.parametrize("name", ["random", "copying"])
def test_outputs_equal_greedy_generate_for_rows_ending_at_different_steps(
    pairs: dict[str, tuple[HFBackend, HFBackend]], name: str
) -> None:
    on, off = pairs[name]
    free = off.generate_sync([ask("the quick brown fox", max_tokens=40)])[0]
    stop = free.text[12:15]
    requests = [
        ask("red", max_tokens=7),
        ask("the quick brown fox", max_tokens=40, stop=(stop,)),
        ask("call get_weather(location='Berlin')", max_tokens=90, logprobs=True),
        ask("green blue yes no", max_tokens=60),
    ]
    expected = [observable(r) for r in off.generate_sync(requests)]
    assert [observable(r) for r in on.generate_sync(requests)] == expected
    assert expected[1][2] < 40 and "confidence" in expected[2][3]  # a stop string ended one; one has its confidence


def test_a_model_that_repeats_itself_needs_far_fewer_passes(pairs: dict[str, tuple[HFBackend, HFBackend]]) -> None:
    on, off = pairs["copying"]
    requests = [ask(u, max_tokens=120) for u in ("red", "hello there", "the lazy dog")]
    passes, tokens = passes_and_outputs(on, requests)
    assert [len(t) for t in tokens] == [120] * 3
    assert passes < 120 * 0.7  # generate makes 120 passes for this batch
    assert [r.text for r in on.generate_sync(requests)] == [r.text for r in off.generate_sync(requests)]


@pytest.mark.parametrize("squeeze_at", [prompt_lookup.HOLES_SQUEEZED_AT, 0.0])  # 0.0: squeeze after every step
def test_partly_right_proposals_leave_masked_holes_that_change_nothing(
    pairs: dict[str, tuple[HFBackend, HFBackend]], monkeypatch: pytest.MonkeyPatch, squeeze_at: float
) -> None:
    """Proposals from the known greedy answer, often with a wrong token: rows keep different counts each step."""
    on, _ = pairs["random"]
    monkeypatch.setattr(prompt_lookup, "HOLES_SQUEEZED_AT", squeeze_at)
    requests = [ask(u, max_tokens=40) for u in ("red", "the quick brown fox", "call get_weather(location='Berlin')")]
    monkeypatch.setattr(prompt_lookup, "propose", lambda sequence, length: [])
    plain_passes, greedy = passes_and_outputs(on, requests)
    encoded = encode_prompts(on, [render_prompt(on.tokenizer, r) for r in requests])
    pairs_in = zip(encoded["input_ids"], encoded["attention_mask"], greedy, strict=True)
    answers = [(ids[mask == 1].tolist(), tokens) for ids, mask, tokens in pairs_in]

    def oracle(sequence: list[int], length: int) -> list[int]:
        prompt, answer = next((p, a) for p, a in answers if sequence[: len(p)] == p)
        done = len(sequence) - len(prompt)
        salt = done + len(prompt)  # rows of different prompt lengths keep different counts at each step
        proposal = answer[done : done + min(length, 1 + salt % 5)]
        if proposal and salt % 3 == 0:
            proposal[-1] = (proposal[-1] + 1) % 300  # wrong: acceptance ends there, a hole is left
        return proposal

    monkeypatch.setattr(prompt_lookup, "propose", oracle)
    passes, tokens = passes_and_outputs(on, requests)
    assert tokens == greedy and passes < plain_passes


def test_agreement_counts_the_run_that_held_and_the_first_miss() -> None:
    assert agreement([5, 6, 7], [5, 6, 9, 9]) == (2, 3)  # 5 and 6 held, 7 was greedy's choice where 9 was proposed
    assert agreement([5, 6, 7], [5, 6, 7, 8]) == (3, 3)  # all three held; the fourth was never scored
    assert agreement([4], [3, 2]) == (0, 1)  # a plain step: the first proposed token would have missed
    assert agreement([4], [4, 2]) == (1, 1)


def test_the_pass_widens_only_where_proposals_hold() -> None:
    def rows(acceptance: float, count: int = 8) -> list[Row]:
        return [Row(prompt=[1], budget=100, stops=(), matcher=None, matched=acceptance, tried=1.0)] * count

    ten = [list(range(10))] * 8
    assert choose_width(rows(0.05), ten) == 1  # seldom holds: a wider pass costs more than it keeps
    assert choose_width(rows(0.95), ten) >= 6
    assert choose_width(rows(0.95), [[]] * 8) == 1  # nothing to propose
    assert 1 < choose_width(rows(0.6), ten) < choose_width(rows(0.9), ten)
    assert expected_kept(1.0, 4) == 4 and expected_kept(0.5, 2) == pytest.approx(0.75)


def test_rows_whose_proposals_miss_fall_back_to_plain_steps(
    pairs: dict[str, tuple[HFBackend, HFBackend]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Proposals that never hold: after a few tries every pass is one token wide, and learning goes on for free."""
    on, _ = pairs["random"]
    requests = [ask(u, max_tokens=40) for u in ("red", "the quick brown fox", "call get_weather(location='Berlin')")]
    _, greedy = passes_and_outputs(on, requests)
    wrong = {t for tokens in greedy for t in tokens}
    never = next(t for t in range(300) if t not in wrong)  # a token no row ever emits
    monkeypatch.setattr(prompt_lookup, "propose", lambda sequence, length: [never] * min(length, 3))
    widths: list[int] = []
    real_choose = prompt_lookup.choose_width
    monkeypatch.setattr(prompt_lookup, "choose_width", lambda r, c: widths.append(real_choose(r, c)) or widths[-1])
    passes, tokens = passes_and_outputs(on, requests)
    assert tokens == greedy
    assert widths[0] > 1 and set(widths[12:]) == {1}  # tried at first (the prior), then given up
    assert passes == 1 + len(widths) == max(len(t) for t in greedy)  # one kept token per row per pass, as generate


@pytest.mark.parametrize("name", ["random", "copying"])
def test_constrained_rows_verify_proposals_through_their_grammar(
    pairs: dict[str, tuple[HFBackend, HFBackend]], name: str
) -> None:
    on, off = pairs[name]
    requests = [
        ask("What colour? red red red", max_tokens=40, response_schema=COLOUR_SCHEMA, constrained=True),
        ask("hello", max_tokens=30),
        ask("list: red, green, red, green", max_tokens=60, response_schema=LIST_SCHEMA, constrained=True),
        ask("the quick brown fox", max_tokens=40, response_schema=COLOUR_SCHEMA, constrained=True, logprobs=True),
    ]
    responses = on.generate_sync(requests)
    assert [observable(r) for r in responses] == [observable(r) for r in off.generate_sync(requests)]
    for request, response in zip(requests, responses, strict=True):
        if request.constrained:
            assert response.meta["constrained"] is True
            # xgrammar (the default engine) lets raw control characters into strings with a maxLength: a known
            # gap, which the sample reports (grammar_complete false) instead of hiding.
            complete = response.meta["grammar_complete"]
            assert complete or "maxLength" in json.dumps(request.response_schema)
            jsonschema.validate(json.loads(response.text, strict=complete), request.response_schema or {})


@pytest.mark.slow
def test_smollm2_outputs_are_unchanged_by_both_features(tmp_path_factory: pytest.TempPathFactory) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HARNESS_CACHE_DIR", str(tmp_path_factory.mktemp("harness-cache")))
        on = resolve_model("smollm2-135m", opts=LoadOptions(batch_size=4))
    assert isinstance(on, HFBackend) and on.prefix_cache is not None and on.prompt_lookup
    requests = []
    for task_name, constrained in (("intent", False), ("schema_json", True), ("gis_command", False)):
        task = get_task(task_name)
        opts = RenderOptions(caps=on.caps, constrained=constrained)
        requests += [task.render(e, opts) for e in list(task.load("test"))[:2]]
    requests = [replace(r, max_tokens=min(r.max_tokens, 48)) for r in requests]
    with_features = [observable(r) for r in on.generate_sync(requests)]
    on.prefix_cache, on.prompt_lookup = None, False
    assert [observable(r) for r in on.generate_sync(requests)] == with_features
