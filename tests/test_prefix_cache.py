"""Shared-prefix KV reuse (harness/models/hf/prefix_cache.py): same outputs, one prefill per shared prefix."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from harness.models.base import LoadOptions
from harness.models.hf.backend import HFArgs, HFBackend
from harness.models.hf.checkpoint import open_checkpoint
from harness.models.hf.generation import encode_prompts, render_prompt
from harness.models.hf.prefix_cache import MIN_PREFIX_TOKENS, shared_length
from harness.registry import get_task
from harness.runner import few_shot_examples
from harness.task import RenderOptions
from harness.types import Message, Request, Response, Scored
from tests.tiny_models import make_tiny_causal

torch.set_num_threads(1)

SYSTEM = "Extract the fields from the text: name, date, colour, label, intent, tool, arguments. Answer with JSON only."
OTHER_SYSTEM = "The quick brown fox jumps over the lazy dog. Answer yes or no, then red green blue."
COLOUR_SCHEMA = {
    "type": "object",
    "properties": {"colour": {"enum": ["red", "green", "blue"]}, "ok": {"type": "boolean"}},
    "required": ["colour", "ok"],
    "additionalProperties": False,
}
FEATURES = [(False, False), (True, False), (False, True), (True, True)]  # (prefix_cache, prompt_lookup)


def load(path: Path, prefix_cache: bool, prompt_lookup: bool, batch_size: int = 4) -> HFBackend:
    """A tiny backend with the two features set as ``--model-arg`` would set them."""
    args = HFArgs.parse({"prefix_cache": str(prefix_cache).lower(), "prompt_lookup": str(prompt_lookup).lower()}, "t")
    backend = open_checkpoint(path, args, LoadOptions(batch_size=batch_size), label="tiny")
    assert isinstance(backend, HFBackend)
    return backend


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny causal checkpoint with a chat template and one without."""
    root = tmp_path_factory.mktemp("prefix")
    return {"chat": make_tiny_causal(root / "chat"), "plain": make_tiny_causal(root / "plain", chat_template=False)}


@pytest.fixture(scope="module")
def variants(checkpoints: dict[str, Path]) -> dict[str, dict[tuple[bool, bool], HFBackend]]:
    """Every checkpoint loaded with each combination of the two features."""
    return {name: {f: load(path, *f) for f in FEATURES} for name, path in checkpoints.items()}


def ask(user: str, system: str = SYSTEM, **fields: Any) -> Request:
    """A system turn (the shared head) and one user turn."""
    return Request(messages=(Message("system", system), Message("user", user)), **fields)


def observable(response: Response) -> tuple[Any, ...]:
    """Everything a run stores of a response but its latency; the answer's probability to float32 rounding.

    ``meta["confidence"]`` (requests with ``logprobs``) sums log-probabilities computed from logits whose last
    bits depend on how the prompt was split into forward passes (see prefix_cache.py): it agrees to ~1e-6.
    """
    meta = dict(response.meta)
    if "confidence" in meta:
        meta["confidence"] = pytest.approx(meta["confidence"], rel=1e-5)
    return response.text, response.tokens_in, response.tokens_out, meta, response.error


def same_everywhere(backends: dict[tuple[bool, bool], HFBackend], requests: list[Request]) -> list[Response]:
    """Generate with every feature combination; assert all equal the plain one; return the plain responses."""
    reference = backends[(False, False)].generate_sync(requests)
    for features, backend in backends.items():
        assert [observable(r) for r in backend.generate_sync(requests)] == [observable(r) for r in reference], features
    assert all(r.error is None for r in reference)
    return reference


def close_scores(scored: Scored) -> tuple[Any, ...]:
    """A task's scores, to float32 rounding (a confidence-based metric inherits the confidence's last bits)."""
    return pytest.approx(scored.scores, rel=1e-5), scored.parsed


def test_shared_length_leaves_every_row_a_token_of_its_own() -> None:
    assert shared_length([[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 3, 4, 6]]) == 3
    assert shared_length([[1, 2, 3], [1, 2, 3]]) == 2  # identical prompts: all but the last token
    assert shared_length([[7, 1], [8, 1]]) == 0
    assert shared_length([[1], [1]]) == 0
    assert shared_length([]) == 0


def test_the_fingerprint_does_not_change(variants: dict[str, dict[tuple[bool, bool], HFBackend]]) -> None:
    fingerprints = {f: b.fingerprint for f, b in variants["chat"].items()}
    assert len({str(sorted(f.items())) for f in fingerprints.values()}) == 1
    assert variants["chat"][(True, True)].prefix_cache is not None
    assert variants["chat"][(False, False)].prefix_cache is None and not variants["chat"][(False, False)].prompt_lookup


@pytest.mark.parametrize("name", ["chat", "plain"])
def test_left_padded_rows_with_stops_and_budgets_are_unchanged(
    variants: dict[str, dict[tuple[bool, bool], HFBackend]], name: str
) -> None:
    free = variants[name][(False, False)].generate_sync([ask("the quick brown fox", max_tokens=24)])[0]
    stop = free.text[5:8]
    requests = [
        ask("red", max_tokens=6),
        ask("the quick brown fox", max_tokens=24, stop=(stop,)),  # ends early, at its stop string
        ask("call get_weather(location='Berlin', unit='celsius') and answer", max_tokens=17),
        ask("green blue", max_tokens=30),
    ]
    responses = same_everywhere(variants[name], requests)
    assert len({r.tokens_in for r in responses}) == 4  # prompts of different lengths: the suffixes are padded
    assert responses[1].tokens_out is not None and responses[1].tokens_out < 24
    assert [r.tokens_out for r in responses][::2] == [6, 17]
    assert variants[name][(True, False)].prefix_cache.prefills >= 1  # type: ignore[union-attr]


def test_few_shot_turns_are_part_of_the_shared_prefix(variants: dict[str, dict[tuple[bool, bool], HFBackend]]) -> None:
    shots = (
        Message("user", "red green"),
        Message("assistant", '{"colour": "red", "ok": true}'),
        Message("user", "blue"),
        Message("assistant", '{"colour": "blue", "ok": false}'),
    )
    requests = [
        Request(messages=(Message("system", SYSTEM), *shots, Message("user", u)), max_tokens=12)
        for u in ("green", "yes no", "the lazy dog")
    ]
    same_everywhere(variants["chat"], requests)
    backend = variants["chat"][(True, False)]
    prompts = [render_prompt(backend.tokenizer, r) for r in requests]
    layout = encode_prompts(backend, prompts)
    rows = backend.tokenizer(prompts, add_special_tokens=False)["input_ids"]
    assert layout["cache"].get_seq_length() == shared_length(rows) > len(backend.tokenizer(SYSTEM)["input_ids"])


def test_constrained_rows_are_unchanged(variants: dict[str, dict[tuple[bool, bool], HFBackend]]) -> None:
    requests = [
        ask("What colour?", max_tokens=40, response_schema=COLOUR_SCHEMA, constrained=True),
        ask("hello", max_tokens=20),
        ask("the quick brown fox jumps", max_tokens=40, response_schema=COLOUR_SCHEMA, constrained=True),
    ]
    responses = same_everywhere(variants["chat"], requests)
    assert responses[0].meta.get("constrained") and responses[2].meta.get("constrained")


def test_identical_prompts_share_all_but_their_last_token(
    variants: dict[str, dict[tuple[bool, bool], HFBackend]],
) -> None:
    backend = variants["chat"][(True, False)]
    attempts = [ask("green blue, the quick brown fox", max_tokens=10)] * 4  # --samples 4: one batch
    same_everywhere(variants["chat"], attempts)
    prompt = render_prompt(backend.tokenizer, attempts[0])
    length = len(backend.tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert encode_prompts(backend, [prompt] * 4)["cache"].get_seq_length() == length - 1


def test_sampled_attempts_are_unchanged_by_the_prefix_cache(
    variants: dict[str, dict[tuple[bool, bool], HFBackend]],
) -> None:
    attempts = [ask("green blue", max_tokens=12, temperature=0.9, seed=seed) for seed in (1, 2, 3)]
    on, off = variants["chat"][(True, False)], variants["chat"][(False, False)]
    assert [observable(r) for r in on.generate_sync(attempts)] == [observable(r) for r in off.generate_sync(attempts)]


def test_the_prefix_is_kept_across_batches_until_it_changes(checkpoints: dict[str, Path]) -> None:
    on, off = load(checkpoints["chat"], True, False), load(checkpoints["chat"], False, False)
    cache = on.prefix_cache
    assert cache is not None

    def both(requests: list[Request]) -> None:
        assert [observable(r) for r in on.generate_sync(requests)] == [
            observable(r) for r in off.generate_sync(requests)
        ]

    both([ask("red", max_tokens=5), ask("green", max_tokens=5)])
    held = cache.tokens
    assert cache.prefills == 1 and len(held) >= MIN_PREFIX_TOKENS
    both([ask("blue", max_tokens=5), ask("yes", max_tokens=5), ask("no", max_tokens=5)])
    both([ask("the lazy dog", max_tokens=5)])  # one row alone still starts from the held prefix
    assert cache.prefills == 1 and cache.tokens == held  # reused, not recomputed
    assert cache._cache is not None and cache._cache.get_seq_length() == len(held)  # generate never grew it
    both([ask("red", OTHER_SYSTEM, max_tokens=5), ask("green", OTHER_SYSTEM, max_tokens=5)])
    assert cache.prefills == 2 and cache.tokens != held  # a new head: the held prefix was replaced


@pytest.mark.parametrize(
    "task_name, shots, constrained", [("intent", 0, True), ("gis_command", 2, False), ("schema_json", 0, True)]
)
def test_task_scores_are_unchanged(
    variants: dict[str, dict[tuple[bool, bool], HFBackend]], task_name: str, shots: int, constrained: bool
) -> None:
    task = get_task(task_name)
    backends = variants["chat"]
    opts = RenderOptions(
        caps=backends[(False, False)].caps, constrained=constrained, shots=few_shot_examples(task, shots, 0)
    )
    examples = list(task.load("test"))[:3]
    requests = [task.render(e, opts) for e in examples]
    requests = [replace(r, max_tokens=min(r.max_tokens, 24)) for r in requests]
    scores = {
        features: [task.score(e, r) for e, r in zip(examples, backend.generate_sync(requests), strict=True)]
        for features, backend in backends.items()
    }
    reference = [close_scores(s) for s in scores[(False, False)]]
    for features, scored in scores.items():
        assert [(s.scores, s.parsed) for s in scored] == reference, features
