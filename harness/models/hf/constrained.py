"""Per-row controls of one generate call: JSON-Schema grammars (xgrammar or llguidance), stop strings and budgets.

Only the transformers backend imports this module, so it may import torch, transformers and
xgrammar at the top (llguidance is imported by ``grammar_engines`` when it is the engine asked for).
``xgrammar.contrib.hf.LogitsProcessor`` is not used: it needs every row constrained, one grammar
object per batch, and leaves finished rows with a stale mask. Here each row has its own matcher or
none; unconstrained and finished rows are never masked.

JSON is compiled without free whitespace: both engines fix the layout to ``{"a": 1, "b": [2, 3]}``, so a
small model cannot loop on spaces or newlines. Every constrained sample
records its engine and coverage (``grammar_complete``, and the keywords the grammar ignores or
approximates); a schema the engine refuses falls back to free decoding with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import xgrammar as xgr
from transformers import LogitsProcessor, StoppingCriteria

from harness.models.hf.grammar_engines import (
    DEFAULT_ENGINE,
    CompiledSchema,
    GrammarRefused,
    RowMatcher,
    StringCap,
    StringState,
    engine_version,
    make_engine,
)
from harness.types import Request, content_hash

MAX_ERROR_CHARS = 200
_LOG_PREFIX = re.compile(r"^\[[\d:.]+\]\s+\S+:\d+:\s*")  # "[09:44:57] /project/cpp/x.cc:4944: "


@dataclass
class RowConstraint:
    """One constrained row: its compiled schema, its string cap, and the meta its Response will carry."""

    schema: CompiledSchema
    meta: dict[str, Any]
    cap: StringCap | None = None

    @property
    def engine(self) -> Any:
        """The engine that compiled the schema."""
        return self.schema.engine

    def matcher(self) -> LiveRow:
        """A fresh matcher for this row, with its string cap."""
        return LiveRow(self.schema.matcher(), self.cap, self.meta)


class LiveRow:
    """One row's grammar while it decodes: the engine's matcher, and the string cap on top of it.

    A row that has spent ``cap.limit`` tokens inside one JSON string may only take the tokens its grammar
    allows that also close the string (when there are any); each string so cut adds one to
    ``meta["string_cap_hits"]``.
    """

    def __init__(self, matcher: RowMatcher, cap: StringCap | None, meta: dict[str, Any]) -> None:
        self._matcher = matcher
        self._cap = cap
        self._meta = meta
        self._string = StringState() if cap is not None else None

    def fill(self, bitmask: torch.Tensor, row: int) -> None:
        """Write the allowed next tokens into ``bitmask[row]``, narrowed by the string cap."""
        self._matcher.fill(bitmask, row)
        state, cap = self._string, self._cap
        if state is None or cap is None or not state.inside or state.tokens < cap.limit:
            return
        closing = bitmask[row] & cap.quote_mask[: bitmask.shape[1]]
        if not bool(closing.any()) or torch.equal(closing, bitmask[row]):
            return  # the grammar cannot end the string yet (minLength, pattern), or only can: nothing to cut
        bitmask[row] = closing
        if not state.capped:
            state.capped, state.hits = True, state.hits + 1
            self._meta["string_cap_hits"] = state.hits

    def accept(self, token: int) -> bool:
        """Advance the matcher (and the string state) by one token; False when the grammar refuses it."""
        if not self._matcher.accept(token):
            return False
        if self._string is not None and self._cap is not None:
            self._string.feed(token, self._cap)
        return True

    def terminated(self) -> bool:
        """Whether the row's grammar ended (it accepted an end token)."""
        return self._matcher.terminated()


@dataclass(frozen=True)
class RowGrammar:
    """What constrained decoding does for one request: a row constraint, or none, and why."""

    grammar: RowConstraint | None
    meta: dict[str, Any] = field(default_factory=dict)


class JsonSchemaGrammars:
    """Compiles JSON Schemas with one engine for one tokenizer and caches the result (or the refusal) by hash.

    Args:
        engine: ``xgrammar`` or ``llguidance`` (None: ``DEFAULT_ENGINE``).
        max_string_tokens: cap on the tokens of any one JSON string in a constrained row (None: no cap).
    """

    def __init__(
        self,
        tokenizer: Any,
        vocab_size: int,
        stop_token_ids: Sequence[int],
        engine: str | None = None,
        max_string_tokens: int | None = None,
    ) -> None:
        self._tokenizer = tokenizer
        self._vocab_size = vocab_size
        self.engine = make_engine(engine or DEFAULT_ENGINE, tokenizer, vocab_size, stop_token_ids)
        self.max_string_tokens = max_string_tokens
        self._cap: StringCap | None = None
        self._cache: dict[str, CompiledSchema | str] = {}

    @property
    def fingerprint(self) -> dict[str, Any]:
        """The decoding choices grammars make: engine, its version, and the string cap."""
        name = self.engine.name
        return {"engine": name, "version": engine_version(name), "max_string_tokens": self.max_string_tokens}

    @property
    def cap(self) -> StringCap | None:
        """The string cap, its vocabulary index built on first use; None without ``max_string_tokens``."""
        if self.max_string_tokens is not None and self._cap is None:
            self._cap = StringCap.for_tokenizer(self._tokenizer, self._vocab_size, self.max_string_tokens)
        return self._cap

    def compile(self, schema: dict[str, Any]) -> CompiledSchema | str:
        """The compiled schema, or the short error message the engine refused it with."""
        key = content_hash(schema, length=32)
        if key not in self._cache:
            try:
                self._cache[key] = self.engine.compile(schema)
            except GrammarRefused as exc:
                self._cache[key] = short_error(exc)
        return self._cache[key]

    def for_request(self, request: Request) -> RowGrammar:
        """The grammar one request asks for: none when it is not constrained, a fallback when refused."""
        if not (request.constrained and request.response_schema is not None):
            return RowGrammar(None, {})
        compiled = self.compile(request.response_schema)
        engine = self.engine.name
        if isinstance(compiled, str):
            return RowGrammar(None, {"constrained_fallback": True, "constrained_error": compiled, "grammar": engine})
        meta = {"constrained": True, "grammar": engine, **compiled.coverage.meta()}
        return RowGrammar(RowConstraint(compiled, meta, self.cap), meta)


def short_error(exc: BaseException) -> str:
    """The first line of an exception message, without xgrammar's time and source prefix, cut short."""
    lines = str(exc).strip().splitlines()
    first = _LOG_PREFIX.sub("", lines[0]) if lines else ""
    return (first or type(exc).__name__)[:MAX_ERROR_CHARS]


class BatchGrammarProcessor(LogitsProcessor):
    """Masks each constrained row's logits to what its grammar allows next; other rows pass untouched.

    Use one instance per ``generate`` call. The first call sees the prompt (causal models) or the
    decoder start token (seq2seq); every later call sees one new token per row, which the row's
    matcher accepts. A row whose matcher terminated (it accepted EOS), or refuses the token because
    generation already finished that row and pads it, is retired and never masked again.

    Args:
        grammars: per row, a ``RowConstraint``, a ``CompiledSchema`` (no cap, no meta), or None.
    """

    def __init__(self, grammars: Sequence[RowConstraint | CompiledSchema | None]) -> None:
        self._matchers: list[RowMatcher | None] = [None if g is None else g.matcher() for g in grammars]
        vocab_sizes = [g.engine.vocab_size for g in grammars if g is not None]
        self._vocab_size = vocab_sizes[0] if vocab_sizes else 0
        self._bitmask = xgr.allocate_token_bitmask(len(grammars), self._vocab_size) if vocab_sizes else None
        self._seen_len: int | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """Accept the last sampled token of every live row, then mask the next-token logits."""
        if input_ids.shape[0] != len(self._matchers):
            raise RuntimeError(f"grammar processor built for {len(self._matchers)} rows, got {input_ids.shape[0]}")
        if self._seen_len is not None and input_ids.shape[1] > self._seen_len:
            self._accept(input_ids[:, -1].tolist())
        self._seen_len = input_ids.shape[1]
        live = [i for i, m in enumerate(self._matchers) if m is not None]
        if not live or self._bitmask is None:
            return scores
        xgr.reset_token_bitmask(self._bitmask)
        for i in live:
            self._matchers[i].fill(self._bitmask, i)  # type: ignore[union-attr]
        return self._apply(scores, live)

    def _accept(self, tokens: list[int]) -> None:
        """Feed each live row its new token; retire rows that are done or were stopped by something else."""
        for i, token in enumerate(tokens):
            matcher = self._matchers[i]
            if matcher is None:
                continue
            if matcher.terminated() or not matcher.accept(token) or matcher.terminated():
                self._matchers[i] = None

    def _apply(self, scores: torch.FloatTensor, rows: list[int]) -> torch.FloatTensor:
        """Set the logits the bitmask forbids to -inf, for ``rows`` only."""
        assert self._bitmask is not None
        width = min(scores.shape[-1], self._vocab_size)
        if scores.shape[-1] > width:  # lm_head wider than the grammar's vocabulary: never pick those ids
            scores[rows, width:] = float("-inf")
        on_cpu = scores.device.type == "cpu" and scores.dtype == torch.float32
        xgr.apply_token_bitmask_inplace(
            scores,
            self._bitmask.to(scores.device),
            vocab_size=width,
            indices=rows,
            backend="cpu" if on_cpu else "torch_native",
        )
        return scores


class RowStops(StoppingCriteria):
    """Finishes each row at its own stop strings or token budget, and records the step it did so.

    ``stopped_at[i]`` is the number of generated tokens when row ``i`` finished (EOS included),
    so padding that generate appends afterwards is never counted, even when pad equals EOS.
    """

    def __init__(
        self,
        tokenizer: Any,
        stops: Sequence[Sequence[str]],
        budgets: Sequence[int],
        start: int,
        eos_token_ids: Sequence[int],
    ) -> None:
        self._tokenizer = tokenizer
        self._stops = [tuple(s for s in row if s) for row in stops]
        self._budgets = list(budgets)
        self._start = start
        self._eos = set(eos_token_ids)
        self.stopped_at: list[int | None] = [None] * len(budgets)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.BoolTensor:
        """True for every row that has finished."""
        generated = input_ids.shape[1] - self._start
        for i in range(input_ids.shape[0]):
            if self.stopped_at[i] is None and self._finished(input_ids[i, self._start :], i, generated):
                self.stopped_at[i] = generated
        done = [s is not None for s in self.stopped_at]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)  # type: ignore[return-value]

    def _finished(self, row: torch.Tensor, index: int, generated: int) -> bool:
        """Whether row ``index`` just emitted EOS, used up its budget or ended with a stop string."""
        if generated >= self._budgets[index] or (generated and int(row[-1]) in self._eos):
            return True
        stops = self._stops[index]
        if not stops or not generated:
            return False
        # The newest tokens suffice: the check runs every step, and each token is at least one character.
        window = max(len(s) for s in stops) + 3
        tail = self._tokenizer.decode(row[-window:].tolist(), skip_special_tokens=True)
        return any(s in tail for s in stops)
