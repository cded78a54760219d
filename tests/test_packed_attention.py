"""Packed SDPA attention (harness/models/hf/attention.py): transformers' sdpa results without copying the KV cache."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM

from harness.models.base import LoadOptions
from harness.models.hf import attention
from harness.models.hf.attention import NAME, use_packed_sdpa
from harness.models.hf.backend import HFArgs
from harness.models.hf.checkpoint import open_checkpoint
from tests.tiny_models import make_tiny_causal

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny grouped-query Llama (4 query heads, 2 key/value heads): the case packing is for."""
    return make_tiny_causal(tmp_path_factory.mktemp("attention") / "tiny")


def passes(model: torch.nn.Module, backend_tokenizer: object, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits of a left-padded prefill, then of one ``width``-token pass over its cache with a hole in one row."""
    prompts = ["red", "the quick brown fox jumps", "call get_weather(location='Berlin')"]
    tokenizer = backend_tokenizer
    tokenizer.padding_side = "left"  # type: ignore[attr-defined]
    encoded = tokenizer(prompts, return_tensors="pt", padding=True)  # type: ignore[operator]
    ids, mask = encoded["input_ids"], encoded["attention_mask"]
    positions = (mask.long().cumsum(-1) - 1).clamp(min=0)
    with torch.inference_mode():
        first = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
        cache = copy.deepcopy(first.cache)
        new = torch.randint(10, 200, (len(prompts), width), generator=torch.Generator().manual_seed(width))
        step_mask = torch.cat([mask, torch.ones((len(prompts), width), dtype=mask.dtype)], dim=1)
        step_mask[1, -width] = 0  # a masked hole, as a rejected proposal leaves one
        step_positions = mask.sum(1, keepdim=True) + torch.arange(width)
        second = model(input_ids=new, attention_mask=step_mask, position_ids=step_positions, cache=cache)
    return first.logits, second.logits


@pytest.mark.parametrize("width", [1, 2, 5, attention.MAX_PACKED_QUERIES + 1])
def test_packed_attention_gives_sdpa_logits(tiny: Path, width: int) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    plain = AutoModelForCausalLM.from_pretrained(tiny, attn_implementation="sdpa").eval()
    packed = copy.deepcopy(plain)
    assert use_packed_sdpa(packed) and packed.config._attn_implementation == NAME
    expected, got = passes(plain, tokenizer, width), passes(packed, tokenizer, width)
    for want, have in zip(expected, got, strict=True):
        torch.testing.assert_close(have, want, rtol=1e-5, atol=1e-5)


def test_the_packed_path_copies_no_keys(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A short multi-token pass never reaches transformers' repeat_kv; a long prefill still does."""
    from transformers import AutoTokenizer
    from transformers.integrations import sdpa_attention

    calls: list[int] = []
    real = sdpa_attention.repeat_kv

    def counted(hidden: torch.Tensor, groups: int) -> torch.Tensor:
        calls.append(hidden.shape[-2])
        return real(hidden, groups)

    monkeypatch.setattr(sdpa_attention, "repeat_kv", counted)
    model = AutoModelForCausalLM.from_pretrained(tiny, attn_implementation="sdpa").eval()
    use_packed_sdpa(model)
    passes(model, AutoTokenizer.from_pretrained(tiny), 4)
    assert calls == []  # the short padded prefill and the 4-token pass over its cache are both packed
    passes(model, AutoTokenizer.from_pretrained(tiny), attention.MAX_PACKED_QUERIES + 1)
    assert calls  # too many queries to pack: transformers' own path


def test_only_sdpa_models_switch(tiny: Path) -> None:
    eager = AutoModelForCausalLM.from_pretrained(tiny, attn_implementation="eager")
    assert not use_packed_sdpa(eager) and eager.config._attn_implementation == "eager"


def test_local_causal_backends_use_it_except_for_the_continuous_engine(tiny: Path) -> None:
    backend = open_checkpoint(tiny, HFArgs.parse({}, "t"), LoadOptions(batch_size=2), label="tiny")
    assert backend.model.config._attn_implementation == NAME  # type: ignore[attr-defined]
    continuous = open_checkpoint(tiny, HFArgs.parse({"continuous": "true"}, "t"), LoadOptions(), label="tiny")
    assert continuous.model.config._attn_implementation == "sdpa"  # type: ignore[attr-defined]
