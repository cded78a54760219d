"""Continuous batching (harness/models/hf/continuous.py) gives what the padded ``generate`` path gives."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.errors import BadInput
from harness.models.base import LoadOptions
from harness.models.hf import continuous as hf_continuous
from harness.models.hf.backend import HFBackend
from harness.models.hf.checkpoint import load_checkpoint
from harness.types import Message, Request, Response
from tests.tiny_models import make_tiny_causal, make_tiny_seq2seq

PROMPTS = [
    "hello",
    "the quick brown fox jumps over the lazy dog",
    "Extract the fields: name, date",
    "{",
    "a much longer prompt than the others, so that padding would be needed in a padded batch of rows",
    "x y z",
]
SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("continuous")
    return {
        "chat": make_tiny_causal(root / "chat"),
        "plain": make_tiny_causal(root / "plain", chat_template=False),
        "seq2seq": make_tiny_seq2seq(root / "seq2seq"),
    }


def load(path: Path, continuous: bool = True, rows: int = 2) -> HFBackend:
    """The backend with the engine on (opt-in) or off."""
    backend = load_checkpoint(
        str(path), str(path), {"continuous": str(continuous).lower()}, LoadOptions(batch_size=rows)
    )
    assert isinstance(backend, HFBackend)
    return backend


def ask(prompt: str, **fields: Any) -> Request:
    return Request(messages=(Message("user", prompt),), **fields)


def run(backend: HFBackend, requests: Sequence[Request]) -> list[Response]:
    return asyncio.run(backend.generate(requests))


def observable(response: Response) -> tuple[Any, ...]:
    return response.text, response.tokens_in, response.tokens_out, response.meta, response.error


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many requests each engine call got (the engine really ran: this wraps it)."""
    calls: list[int] = []
    real = hf_continuous.run_engine

    def spy(model: Any, inputs: list[list[int]], config: Any, engine: Any) -> dict[int, Any]:
        calls.append(len(inputs))
        return real(model, inputs, config, engine)

    monkeypatch.setattr(hf_continuous, "run_engine", spy)
    return calls


@pytest.mark.parametrize("name", ["chat", "plain"])
def test_continuous_outputs_equal_padded_outputs(paths: dict[str, Path], name: str, engine_calls: list[int]) -> None:
    # Six requests, two rows at a time, mixed budgets: rows finish at different steps and get refilled.
    requests = [ask(p, max_tokens=5 + 4 * (i % 3)) for i, p in enumerate(PROMPTS)]
    continuous = run(load(paths[name]), requests)
    padded = run(load(paths[name], continuous=False), requests)
    assert engine_calls == [2, 2, 2]  # one engine call per budget, each with its two requests
    assert [observable(r) for r in continuous] == [observable(r) for r in padded]
    assert all(r.error is None and r.tokens_out for r in continuous)


def test_stop_strings_give_the_padded_text_and_token_count(paths: dict[str, Path], engine_calls: list[int]) -> None:
    padded_backend = load(paths["chat"], continuous=False)
    free = run(padded_backend, [ask("the quick brown fox", max_tokens=24)])[0]
    stop = free.text[6:9]
    requests = [ask("the quick brown fox", max_tokens=24, stop=(stop,)), ask("hello", max_tokens=24, stop=("zzzz",))]
    continuous = run(load(paths["chat"]), requests)
    padded = run(padded_backend, requests)
    assert engine_calls == [2]
    assert [observable(r) for r in continuous] == [observable(r) for r in padded]
    assert continuous[0].tokens_out is not None and continuous[0].tokens_out < 24


def test_a_call_takes_several_batches_of_rows(paths: dict[str, Path]) -> None:
    default = load_checkpoint(str(paths["chat"]), str(paths["chat"]), {}, LoadOptions(batch_size=3))
    assert isinstance(default, HFBackend) and not default.continuous and default.batch_size == 3  # opt-in
    assert load(paths["chat"], rows=3).batch_size == 3 * 4
    assert load(paths["chat"], rows=3, continuous=False).batch_size == 3
    # The engine serves causal models only: asking for it on a seq2seq checkpoint is refused, not ignored.
    with pytest.raises(BadInput, match="continuous: not an option of seq2seq model"):
        load(paths["seq2seq"], rows=3)


@pytest.mark.parametrize(
    ("request_", "served"),
    [
        (ask("hello", max_tokens=4, constrained=True, response_schema=SCHEMA), []),  # the whole batch goes padded
        (ask("hello", max_tokens=4, logprobs=True), []),
        (ask("hello", max_tokens=4, temperature=0.7, seed=1), [1]),  # its own group: only the greedy one is served
    ],
    ids=["grammar", "logprobs", "sampling"],
)
def test_what_the_engine_cannot_do_goes_to_the_padded_path(
    paths: dict[str, Path], engine_calls: list[int], request_: Request, served: list[int]
) -> None:
    responses = run(load(paths["chat"]), [request_, ask("plain", max_tokens=4)])
    assert engine_calls == served and all(r.error is None for r in responses)


def test_a_request_the_engine_drops_fails_alone(paths: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    real = hf_continuous.run_engine

    def lossy(model: Any, inputs: list[list[int]], config: Any, engine: Any) -> dict[int, Any]:
        found = real(model, inputs, config, engine)
        return {k: v for k, v in found.items() if k != 1}

    monkeypatch.setattr(hf_continuous, "run_engine", lossy)
    responses = run(load(paths["chat"]), [ask(p, max_tokens=4) for p in PROMPTS[:3]])
    assert [r.error is None for r in responses] == [True, False, True]
    assert responses[1].error == "generation failed: no result from the engine"


def test_stop_index_is_the_first_prefix_holding_a_stop(paths: dict[str, Path]) -> None:
    tokenizer = load(paths["plain"]).tokenizer
    tokens = tokenizer("alpha beta gamma delta", add_special_tokens=False)["input_ids"]
    decoded = [tokenizer.decode(tokens[:n]) for n in range(len(tokens) + 1)]
    first = next(n for n, text in enumerate(decoded) if "gam" in text)
    assert hf_continuous.stop_index(tokenizer, tokens, ("gam",)) == first
    assert hf_continuous.stop_index(tokenizer, tokens, ("nowhere", "")) is None
    assert hf_continuous.stop_index(tokenizer, [], ("gam",)) is None
