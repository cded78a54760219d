"""Shared-prefix KV reuse for local causal models: prefill a batch's common token prefix once.

Every prompt of a task starts alike (a system turn with the label definitions, format rules, few-shot
turns), and the N attempts of one example under ``--samples N`` are the same prompt N times. The
longest common token prefix of a batch is prefilled once with batch size 1, its KV cache repeated to
every row, and only each row's own suffix is prefilled. The prefix's cache is kept (batch size 1)
across batches while later batches still start with it, and replaced when they do not.

Left padding cannot sit before a shared prefix, so a batch is laid out ``[prefix][pads][suffix]``
with the pads masked (attention mask 0). transformers' ``generate`` derives position ids from the
attention mask (cumulative sum), so every real token keeps the position it has in the unpadded
prompt, exactly as with left padding. The same holds for ``prompt_lookup.py``'s own decoding loop,
which builds position ids the same way.

Used only where exact: a causal model whose forward takes ``position_ids`` and whose cache is a plain
``DynamicCache`` (no sliding window, no recurrent state); anything else turns the feature off for the
backend at its first use. Outputs equal those without the cache up to float rounding: the prefix's
keys and values are computed by a batch-1 forward over the prefix alone instead of inside the padded
batch, which can change the last bits of a sum (see tests/test_prefix_cache.py and bench/README.md).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MIN_PREFIX_TOKENS = 16  # a shorter shared head saves less than the extra forward call costs


@dataclass
class PrefixLayout:
    """One batch laid out as ``[prefix][pads][suffix]``: generate's inputs and the cache to start from."""

    input_ids: Any  # torch.LongTensor (rows, prefix + longest suffix)
    attention_mask: Any  # torch.LongTensor, 0 on the pads
    cache: Any  # DynamicCache holding the prefix for every row (a fresh copy: generate mutates it)
    prefix_len: int


def shared_length(rows: Sequence[Sequence[int]]) -> int:
    """The longest common token prefix of ``rows``, leaving every row at least one token of its own."""
    if not rows:
        return 0
    limit = min(len(row) for row in rows) - 1
    first = rows[0]
    length = 0
    while length < limit and all(row[length] == first[length] for row in rows):
        length += 1
    return max(length, 0)


class PrefixCache:
    """The KV cache (batch size 1) of the last shared prefix, kept while later batches start with it."""

    def __init__(self) -> None:
        self.tokens: tuple[int, ...] = ()
        self._cache: Any | None = None
        self.usable = True  # set False when the model's cache cannot be reused exactly
        self.prefills = 0  # prefix prefills computed (tests count them)

    def layout(self, model: Any, rows: list[list[int]], pad_id: int) -> PrefixLayout | None:
        """The batch laid out over its shared prefix, or None when no prefix worth reusing is there."""
        if not self.usable:
            return None
        shared = shared_length(rows)
        held = len(self.tokens)
        if not (held and held <= shared and tuple(rows[0][:held]) == self.tokens):
            if len(rows) < 2 or shared < MIN_PREFIX_TOKENS:
                return None
            if not self._prefill(model, rows[0][:shared]):
                return None
            held = shared
        cache: Any = copy.deepcopy(self._cache)  # generate grows the cache it is given: never the held one
        prefix_len = held
        if len(rows) >= 2 and shared - held >= MIN_PREFIX_TOKENS:
            # This batch shares more than the held prefix (e.g. N attempts of one prompt): extend a copy.
            extend(model, cache, rows[0][held:shared], held)
            prefix_len = shared
        cache.batch_repeat_interleave(len(rows))
        return build_layout(rows, prefix_len, pad_id, cache, model.device)

    def _prefill(self, model: Any, tokens: list[int]) -> bool:
        """Compute and hold the cache of ``tokens``; False (and the feature off) when it is not a plain cache."""
        import torch

        if "position_ids" not in inspect.signature(model.forward).parameters:
            self.usable = False
            return False
        with torch.inference_mode():
            output = model(torch.tensor([tokens], device=model.device), use_cache=True, logits_to_keep=1)
        if not plain_dynamic(output.cache):
            self.usable = False
            return False
        self.tokens, self._cache = tuple(tokens), output.cache
        self.prefills += 1
        return True

    def clear(self) -> None:
        """Drop the held prefix."""
        self.tokens, self._cache = (), None


def plain_dynamic(cache: Any) -> bool:
    """Whether ``cache`` is a ``DynamicCache`` of full-attention layers only (no window, no recurrent state)."""
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    return type(cache) is DynamicCache and all(type(layer) is DynamicLayer for layer in cache.layers)


def extend(model: Any, cache: Any, tokens: list[int], start: int) -> None:
    """Run ``tokens`` (batch size 1) on top of ``cache``, which holds ``start`` tokens, adding theirs to it."""
    import torch

    positions = torch.arange(start, start + len(tokens), device=model.device).unsqueeze(0)
    with torch.inference_mode():
        model(
            torch.tensor([tokens], device=model.device),
            position_ids=positions,
            cache=cache,
            use_cache=True,
            logits_to_keep=1,
        )


def build_layout(rows: list[list[int]], prefix_len: int, pad_id: int, cache: Any, device: Any) -> PrefixLayout:
    """``[prefix][pads][suffix]`` ids and mask for ``rows`` that all start with the same ``prefix_len`` tokens."""
    import torch

    suffixes = [row[prefix_len:] for row in rows]
    longest = max(len(s) for s in suffixes)
    prefix = rows[0][:prefix_len]
    ids = [prefix + [pad_id] * (longest - len(s)) + s for s in suffixes]
    mask = [[1] * prefix_len + [0] * (longest - len(s)) + [1] * len(s) for s in suffixes]
    return PrefixLayout(
        input_ids=torch.tensor(ids, dtype=torch.long, device=device),
        attention_mask=torch.tensor(mask, dtype=torch.long, device=device),
        cache=cache,
        prefix_len=prefix_len,
    )
