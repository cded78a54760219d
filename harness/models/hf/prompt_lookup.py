"""Batched prompt-lookup decoding for greedy rows of local causal models.

Answers copy their input: schema_json copies spans of its text, gis_command places and layer names,
function_calling argument values. Each step, every live row looks up the latest earlier occurrence of
its last n-gram (n = 3, 2, 1) in its prompt plus its output so far and proposes the tokens that followed
it; one forward pass scores every row's last token and proposals together, and each row keeps the
longest run of proposals equal to the model's own greedy choice, plus that choice at the first
disagreement (or after the last proposal). Every kept token is the one greedy decoding would have
picked, so the output is greedy decoding's, with fewer forward passes when proposals hold.

A verification pass is not free: on a CPU its cost grows with the tokens it scores (8 rows × 9 tokens
take about 1.6 times a plain 8 × 1 step for smollm2-135m), and every row pays the widest row's width. So
each step chooses one width for the batch: the one that keeps the most tokens per unit of cost, from each
row's acceptance rate (how often its proposals have matched greedy's choice lately, updated for free at
plain steps too) and a cost model of a pass (``TOKEN_COST``). Where proposals seldom hold (a base model's
prose) the steps stay plain, one token wide; where they hold (answers that copy their input or repeat
themselves, as schema_json's do) the passes widen. The width changes how many passes are made, never
which tokens are kept.

transformers' prompt lookup (``prompt_lookup_num_tokens``) takes batch size 1 only. Here rows accept
different numbers of tokens: the KV cache keeps one length for the batch, so a row's rejected proposals
stay in it as masked holes (attention mask 0); position ids count a row's real tokens only, so every
token sits at the position it has in plain decoding. Finished rows leave the batch at once; holes are
squeezed out when they fill half the cache. A model whose forward takes no ``position_ids``, or whose cache is
not a plain ``DynamicCache`` (sliding-window or recurrent layers), turns prompt lookup off for its backend and
decodes with ``generate``.

Under ``--constrained`` a row's grammar masks each verified position in turn: the matcher accepts a
token only once it is kept, so a proposal the grammar forbids ends acceptance and nothing is rolled back.
Per-row stop strings, EOS and budgets are checked after every kept token, as ``constrained.RowStops``
does for ``generate``. A row asking for log-probabilities gets those of its kept tokens under the
(grammar-masked) distribution. Rows that sample (temperature above 0) never come here: ``serves`` sends
their batch to ``generate``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.models.hf.generation import encode_prompts, finish_row, first_line, generate_rows
from harness.models.hf.prefix_cache import plain_dynamic
from harness.types import Request, Response

MAX_NGRAM = 3  # the longest n-gram looked up
MAX_PROPOSAL = 10  # the most tokens a row proposes in one pass
# The cost of a pass over R rows of width W, in units of its fixed cost (reading the weights, Python and kernel
# overheads): 1 + TOKEN_COST * R * W. Measured for smollm2-135m on one thread of this project's 2-core CPU with the
# packed attention of attention.py: 8 rows x 1 token 263 ms and 8 x 9 tokens 419 ms over intent's ~930-token
# prompts, 184 and 291 ms over schema_json's, so each token adds about 1% of the fixed cost. A GPU's share is
# smaller still (wider passes are nearly free there); a larger share only makes the controller wary.
TOKEN_COST = 0.01
ACCEPTANCE_PRIOR = (1.0, 2.0)  # (matched, tried) a row starts from: 0.5 of its proposed tokens held
ACCEPTANCE_DECAY = 0.8  # weight of a row's past evidence at each update: its rate follows its latest stretch
HOLES_SQUEEZED_AT = 0.5  # squeeze masked entries out of the cache when they are this share of it


class UnsupportedCache(Exception):
    """The model's KV cache is not a plain ``DynamicCache``: rejected proposals cannot be left in it as holes."""


def serves(backend: Any, requests: Sequence[Request]) -> bool:
    """Whether prompt lookup decodes this batch: a causal model and every row greedy."""
    return (
        getattr(backend, "prompt_lookup", False)
        and backend.arch == "causal"
        and bool(requests)
        and all(r.temperature == 0 for r in requests)
    )


def propose(sequence: Sequence[int], length: int, max_ngram: int = MAX_NGRAM) -> list[int]:
    """The ``length`` tokens that followed the latest earlier occurrence of the sequence's last n-gram."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    if length <= 0:
        return []
    tokens = np.asarray(sequence, dtype=np.int64)
    for n in range(min(max_ngram, len(tokens) - 1), 0, -1):
        windows = sliding_window_view(tokens[:-1], n)  # window i is tokens[i:i+n], followed by tokens[i+n]
        hits = np.flatnonzero((windows == tokens[-n:]).all(axis=1))
        if hits.size:
            start = int(hits[-1]) + n
            return tokens[start : start + length].tolist()
    return []


@dataclass
class Row:
    """One request's decoding state."""

    prompt: list[int]
    budget: int
    stops: tuple[str, ...]
    matcher: Any | None  # constrained.LiveRow while the row is constrained and its grammar not terminated
    vocab: int = 0  # the vocabulary size its grammar was compiled for
    logprobs: list[float] | None = None  # per kept token, when the request asks for log-probabilities
    out: list[int] = field(default_factory=list)
    stopped_at: int | None = None
    matched: float = ACCEPTANCE_PRIOR[0]  # decayed count of proposed tokens greedy agreed with
    tried: float = ACCEPTANCE_PRIOR[1]  # decayed count of proposed tokens whose fate is known
    real: int = 0  # real tokens of this row in the KV cache: the position of its next one

    @property
    def acceptance(self) -> float:
        """The share of this row's proposed tokens that held lately (each given the ones before it held)."""
        return self.matched / self.tried

    def learn(self, matched: int, tried: int) -> None:
        """Record that ``matched`` of ``tried`` proposed tokens held (``tried`` counts the first that did not)."""
        self.matched = ACCEPTANCE_DECAY * self.matched + matched
        self.tried = ACCEPTANCE_DECAY * self.tried + tried

    @property
    def done(self) -> bool:
        """Whether the row has finished."""
        return self.stopped_at is not None


class LookupDecoder:
    """Greedy decoding with batched prompt lookup over one batch of rows."""

    def __init__(self, backend: Any, rows: list[Row]) -> None:
        self.model = backend.model
        self.tokenizer = backend.tokenizer
        self.eos = set(backend.eos_token_ids)
        self.pad = int(backend.tokenizer.pad_token_id)
        self.rows = rows
        self.live: list[int] = []  # indices of the rows in the cache, in its batch order
        self.cache: Any = None
        self.mask: Any = None  # (live rows, cache length): 1 on a row's real tokens
        self.forward_passes = 0
        self._bitmask: Any = None

    def run(self, encoded: dict[str, Any]) -> None:
        """Prefill the prompts (over a shared prefix's cache when ``encoded`` has one), then decode to the end."""
        import torch

        ids, mask = encoded["input_ids"], encoded["attention_mask"]
        cache = encoded.get("cache")
        past = cache.get_seq_length() if cache is not None else 0
        positions = (mask.long().cumsum(-1) - 1).clamp(min=0)
        output = self.model(
            input_ids=ids[:, past:],
            attention_mask=mask,
            position_ids=positions[:, past:],
            cache=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        self.forward_passes += 1
        if not plain_dynamic(output.cache):
            raise UnsupportedCache(type(output.cache).__name__)
        self.cache, self.mask = output.cache, mask.clone()
        self.live = list(range(len(self.rows)))
        logits = output.logits[:, -1, :].float()
        for index, row in enumerate(self.rows):
            row.real = int(mask[index].sum())
            choice = self.choose(row, logits[index])
            self.advance(row, choice)
            self.keep(row, [choice])
        while self.retire():
            self.step(torch)

    def step(self, torch: Any) -> None:
        """One forward pass over every live row's last token and its proposals; keep what greedy agrees with."""
        rows = [self.rows[i] for i in self.live]
        candidates = [propose(row.prompt + row.out, min(MAX_PROPOSAL, row.budget - len(row.out) - 1)) for row in rows]
        width = choose_width(rows, candidates)
        proposals = [p[: width - 1] for p in candidates]
        inputs = [[row.out[-1], *p] + [self.pad] * (width - 1 - len(p)) for row, p in zip(rows, proposals, strict=True)]
        device = self.mask.device
        starts = torch.tensor([row.real for row in rows], device=device)[:, None]
        positions = starts + torch.arange(width, device=device)  # each row's real-token count onward
        step_mask = torch.cat([self.mask, torch.ones((len(rows), width), dtype=self.mask.dtype, device=device)], dim=1)
        output = self.model(
            input_ids=torch.tensor(inputs, device=device),
            attention_mask=step_mask,
            position_ids=positions,
            cache=self.cache,
            use_cache=True,
        )
        self.forward_passes += 1
        self.cache = output.cache
        logits = output.logits.float()
        greedy = logits.argmax(dim=-1).tolist()
        kept_lengths = []
        for index, (row, proposal, candidate) in enumerate(zip(rows, proposals, candidates, strict=True)):
            kept = self.verify(row, proposal, logits[index], greedy[index])
            if candidate:  # a plain step still tells whether the first proposed token would have held
                row.learn(*agreement(kept, candidate))
            row.real += len(kept)  # the row's last token and its kept proposals are now real cache entries
            kept_lengths.append(len(kept))
            self.keep(row, kept)
        columns = torch.arange(width, device=device)[None, :]
        self.mask = torch.cat([self.mask, (columns < torch.tensor(kept_lengths, device=device)[:, None]).long()], 1)
        self.trim(min(width - k for k in kept_lengths))

    def verify(self, row: Row, proposal: list[int], logits: Any, greedy: list[int]) -> list[int]:
        """The tokens greedy decoding emits here: the proposals it agrees with, then its own next choice."""
        kept: list[int] = []
        for position in range(len(proposal) + 1):
            choice = self.choose(row, logits[position], greedy[position])
            kept.append(choice)
            self.advance(row, choice)
            if position == len(proposal) or choice != proposal[position] or self.ends(row, kept):
                break
        return kept

    @staticmethod
    def advance(row: Row, token: int) -> None:
        """Feed a kept token to the row's grammar; retire the grammar once it terminates or refuses (as generate's)."""
        if row.matcher is not None and (not row.matcher.accept(token) or row.matcher.terminated()):
            row.matcher = None

    def ends(self, row: Row, kept: list[int]) -> bool:
        """Whether the row would finish within ``kept`` (later proposals are then of no use)."""
        return kept[-1] in self.eos or len(row.out) + len(kept) >= row.budget

    def choose(self, row: Row, logits: Any, greedy: int | None = None) -> int:
        """The greedy token at one position (``greedy`` when the row has no live grammar), and its log-probability.

        The log-probability is taken under the distribution decoding used, the grammar's mask applied, as
        ``compute_transition_scores(normalize_logits=True)`` gives it for ``generate``.
        """
        import torch

        scores = logits if row.matcher is None else self.masked(row, logits)
        choice = int(scores.argmax()) if greedy is None or row.matcher is not None else greedy
        if row.logprobs is not None:
            row.logprobs.append(float(torch.log_softmax(scores, dim=-1)[choice]))
        return choice

    @staticmethod
    def masked(row: Row, logits: Any) -> Any:
        """A copy of one position's logits with what the row's grammar forbids set to -inf."""
        import torch
        import xgrammar as xgr

        assert row.matcher is not None

        width = min(logits.shape[-1], row.vocab)
        bitmask = xgr.allocate_token_bitmask(1, row.vocab)
        row.matcher.fill(bitmask, 0)
        scores = logits.clone()[None, :]
        scores[:, width:] = float("-inf")  # lm_head wider than the grammar's vocabulary: never pick those ids
        on_cpu = scores.device.type == "cpu" and scores.dtype == torch.float32
        xgr.apply_token_bitmask_inplace(
            scores, bitmask.to(scores.device), vocab_size=width, backend="cpu" if on_cpu else "torch_native"
        )
        return scores[0]

    def keep(self, row: Row, tokens: list[int]) -> None:
        """Append kept tokens one by one, finishing the row at its EOS, budget or stop string."""
        for token in tokens:
            if row.done:
                return
            row.out.append(token)
            if self.finished(row):
                row.stopped_at = len(row.out)

    def finished(self, row: Row) -> bool:
        """Whether the row's newest token ends it: EOS, its budget, or a stop string (``RowStops``' rule)."""
        if len(row.out) >= row.budget or row.out[-1] in self.eos:
            return True
        if not row.stops:
            return False
        window = max(len(s) for s in row.stops) + 3
        tail = self.tokenizer.decode(row.out[-window:], skip_special_tokens=True)
        return any(s in tail for s in row.stops)

    def retire(self) -> bool:
        """Drop finished rows from the cache; True while any row is live."""
        import torch

        keep = [position for position, index in enumerate(self.live) if not self.rows[index].done]
        if len(keep) < len(self.live) and keep:
            chosen = torch.tensor(keep, device=self.mask.device)
            self.cache.batch_select_indices(chosen)
            self.mask = self.mask[chosen]
        self.live = [self.live[p] for p in keep]
        if keep:
            self.squeeze()
        return bool(keep)

    def trim(self, columns: int) -> None:
        """Crop the newest ``columns`` cache entries, masked for every row."""
        if columns > 0:
            self.cache.crop(-columns)
            self.mask = self.mask[:, :-columns]

    def squeeze(self) -> None:
        """Move every row's real cache entries to the right end when masked entries fill much of the cache."""
        import torch

        holes = int((self.mask == 0).sum())
        if holes < HOLES_SQUEEZED_AT * self.mask.numel():
            return
        counts = self.mask.sum(dim=1)
        length = int(counts.max())
        # Stable sort puts the masked entries first and keeps the real ones in order: take the last ``length``.
        order = torch.sort(self.mask, dim=1, stable=True).indices[:, -length:]
        for layer in self.cache.layers:
            index = order[:, None, :, None].expand(-1, layer.keys.shape[1], -1, layer.keys.shape[3])
            layer.keys = torch.gather(layer.keys, 2, index)
            layer.values = torch.gather(layer.values, 2, index)
        self.mask = torch.gather(self.mask, 1, order)


def agreement(kept: Sequence[int], candidate: Sequence[int]) -> tuple[int, int]:
    """(proposed tokens that held, proposed tokens whose fate is known): the leading run of ``candidate`` equal to
    the tokens greedy kept, plus the first that differed, where one did within ``kept``."""
    matched = 0
    while matched < min(len(kept), len(candidate)) and kept[matched] == candidate[matched]:
        matched += 1
    return matched, matched + int(matched < min(len(kept), len(candidate)))


def expected_kept(acceptance: float, proposed: int) -> float:
    """Expected proposed tokens kept when each holds with probability ``acceptance`` given the ones before it."""
    if acceptance >= 1.0:
        return float(proposed)
    return acceptance * (1 - acceptance**proposed) / (1 - acceptance)


def choose_width(rows: Sequence[Row], candidates: Sequence[Sequence[int]]) -> int:
    """The pass width (1 + proposed tokens) that keeps the most tokens per unit of cost, by ``TOKEN_COST``'s model."""
    widest = 1 + max(len(c) for c in candidates)
    best, best_rate = 1, 0.0
    for width in range(1, widest + 1):
        kept = sum(
            1 + expected_kept(r.acceptance, min(len(c), width - 1)) for r, c in zip(rows, candidates, strict=True)
        )
        rate = kept / (1 + TOKEN_COST * len(rows) * width)
        if rate > best_rate * (1 + 1e-9):
            best, best_rate = width, rate
    return best


def generate_lookup(backend: Any, requests: list[Request], prompts: list[str]) -> list[Response]:
    """Greedy decoding of one batch with prompt lookup: one Response per request, as ``generate_rows`` gives."""
    import torch

    if "position_ids" not in inspect.signature(backend.model.forward).parameters:
        backend.prompt_lookup = False
        return generate_rows(backend, requests, prompts)
    encoded = encode_prompts(backend, prompts)
    rows, grammars = lookup_rows(backend, requests, encoded)
    try:
        with torch.inference_mode():
            LookupDecoder(backend, rows).run(encoded)
    except UnsupportedCache:  # sliding-window or recurrent layers: holes cannot be masked there; generate instead
        backend.prompt_lookup = False
        return generate_rows(backend, requests, prompts)
    except RuntimeError as exc:  # e.g. out of memory: the batch's samples fail, the run goes on
        return [Response(error=f"generation failed: {first_line(exc)}") for _ in requests]
    return [
        finish_row(backend, row.out, row.stopped_at, request, len(row.prompt), grammar.meta, row.logprobs)
        for row, request, grammar in zip(rows, requests, grammars, strict=True)
    ]


def lookup_rows(backend: Any, requests: list[Request], encoded: dict[str, Any]) -> tuple[list[Row], list[Any]]:
    """Each request's decoding state (prompt tokens, budget, stops, grammar) and its ``RowGrammar``."""
    grammars = [backend.grammars.for_request(r) for r in requests]
    rows = [
        Row(
            prompt=ids[mask == 1].tolist(),
            budget=r.max_tokens,
            stops=tuple(s for s in r.stop if s),
            matcher=None if g.grammar is None else g.grammar.matcher(),
            vocab=0 if g.grammar is None else int(g.grammar.engine.vocab_size),
            logprobs=[] if r.logprobs else None,
        )
        for r, g, ids, mask in zip(requests, grammars, encoded["input_ids"], encoded["attention_mask"], strict=True)
    ]
    return rows, grammars
