"""Per-row seeded sampling for local models: an attempt's output does not depend on its batch neighbours.

``model.generate(do_sample=True)`` draws every row from one global torch generator, so a row's tokens
depend on which rows share its batch and in which order: the same attempt alone, in another batch or
after a resume would read differently. ``RowSampler`` samples each row itself instead: temperature and
top-p applied to that row's logits, one uniform draw per step from a ``torch.Generator`` seeded with the
row's ``Request.seed``. It returns logits in which the sampled token is the only finite one, so decoding
stays greedy (``decoding_kwargs``) and the greedy pick is the sampled token. It runs after the grammar
processor (``--constrained``): the grammar's mask is applied first, so a row samples among allowed tokens.

Rows at temperature 0 pass through untouched (greedy).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from harness.types import Request, content_hash


def row_seed(request: Request, fallback: int) -> int:
    """The row's generator seed: its ``seed``, else one derived from the request and the run's seed."""
    if request.seed is not None:
        return int(request.seed)
    return int(content_hash([fallback, request.hash], length=8), 16)


class RowSampler:
    """A transformers logits processor: samples each row with its own temperature, top-p and seeded generator."""

    def __init__(self, requests: Sequence[Request], fallback_seed: int = 0) -> None:
        import torch

        self.temperatures = [float(r.temperature) for r in requests]
        self.top_ps = [1.0 if r.top_p is None else float(r.top_p) for r in requests]
        # Per row, the log-probability of each sampled token under the distribution it was drawn from
        # (``generate``'s own scores after this processor put all mass on the pick).
        self.logprobs: list[list[float]] = [[] for _ in requests]
        self.generators: list[Any] = []
        for request in requests:
            generator = torch.Generator(device="cpu")
            generator.manual_seed(row_seed(request, fallback_seed))
            self.generators.append(generator)

    @staticmethod
    def wanted(requests: Sequence[Request]) -> bool:
        """Whether any row of the batch samples (temperature above 0)."""
        return any(r.temperature > 0 for r in requests)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        """One decoding step: each sampling row's logits become its sampled token alone."""
        import torch

        out = scores.clone()
        for row, temperature in enumerate(self.temperatures):
            if temperature <= 0:
                continue
            # one draw per row and step, whatever else happens: the row's sequence of draws is its own
            draw = torch.rand(1, generator=self.generators[row], dtype=torch.float64)
            token, probability = sample_token(scores[row], temperature, self.top_ps[row], float(draw))
            self.logprobs[row].append(math.log(probability) if probability > 0 else float("-inf"))
            out[row] = float("-inf")
            out[row, token] = 0.0
        return out


def sample_token(logits: Any, temperature: float, top_p: float, draw: float) -> tuple[int, float]:
    """The token at ``draw`` (uniform in [0, 1)) of the tempered, nucleus-filtered distribution over ``logits``,
    and its probability in that distribution.

    The inverse CDF in float64: over token ids in order when ``top_p`` is 1; else over the most probable
    tokens whose mass reaches ``top_p`` (at least one), in descending probability order (ties by token id).
    """
    import torch

    probs = torch.softmax(logits.detach().to(torch.float64) / temperature, dim=-1)
    order = None
    if top_p < 1.0:
        # a stable order: by probability, ties broken by token id, so the same logits give the same CDF
        order = torch.argsort(probs, descending=True, stable=True)
        probs = probs[order]
        cumulative = torch.cumsum(probs, dim=-1)
        keep = int(torch.searchsorted(cumulative, torch.tensor([top_p], dtype=torch.float64)).item()) + 1
        probs = probs[: min(max(keep, 1), int(probs.numel()))]
    cumulative = torch.cumsum(probs, dim=-1)
    target = torch.tensor([draw * float(cumulative[-1])], dtype=torch.float64)
    index = min(int(torch.searchsorted(cumulative, target, right=True).item()), int(probs.numel()) - 1)
    # a token of probability 0 (masked by a grammar) is never the pick: step back to the last one with mass
    while index > 0 and float(probs[index]) == 0.0:
        index -= 1
    token = int(index if order is None else order[index])
    return token, float(probs[index]) / float(cumulative[-1])
