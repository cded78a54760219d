"""JSON-Schema grammar engines behind one interface: xgrammar and llguidance, with what each leaves out.

An engine compiles a schema once (``compile``), reports how much of it the grammar expresses
(``Coverage``), and makes one matcher per row. Both engines write the same token bitmask (int32 words,
bit ``i % 32`` of word ``i // 32`` allows token ``i``), so ``constrained.BatchGrammarProcessor``
masks rows of either engine the same way.

Coverage is what keeps a grammar's gaps out of the model's score. llguidance says itself which
keywords it ignores or approximates (its grammar warnings). xgrammar says nothing, so the keywords it
is known to ignore or approximate are found by walking the schema (``xgrammar_gaps``); the engine
tests check both lists against generated output. Only this module and ``constrained`` import xgrammar
and llguidance; llguidance is imported when it is the engine asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any, ClassVar, Protocol

from harness.errors import missing_extra

ENGINES = ("xgrammar", "llguidance")
# Chosen by bench/constrained.py and the smollm2-135m runs in tasks/schema_json/README.md: llguidance
# compiles the shipped schemas faster, masks as fast, and expresses more of them (multipleOf, date,
# a oneOf beside its own properties); xgrammar stays one --model-arg away.
DEFAULT_ENGINE = "xgrammar"

# Keywords a schema node may carry beside oneOf/anyOf/allOf without constraining anything.
ANNOTATIONS = frozenset(
    {"$schema", "$id", "id", "$comment", "title", "description", "default", "examples", "definitions", "$defs",
     "deprecated", "readOnly", "writeOnly", "$anchor", "$dynamicAnchor"}
)  # fmt: skip
COMBINATORS = ("oneOf", "anyOf", "allOf")
# Keywords xgrammar ignores or approximates (xgrammar 0.2.9, checked by tests/test_constrained_engines.py).
XGRAMMAR_IGNORED = ("not", "dependencies", "dependentSchemas", "dependentRequired", "patternProperties",
                    "uniqueItems", "if", "then", "else", "multipleOf")  # fmt: skip
# xgrammar 0.2.9 compiles a string with minLength/maxLength to a rule that admits raw control characters,
# which JSON forbids: such an output may not even parse (tests/test_constrained_engines.py shows it).
XGRAMMAR_LENGTH_GAP = "minLength/maxLength (admits raw control characters)"
# Formats llguidance's grammar admits values of that jsonschema's checker refuses (second 60 at any minute).
LLGUIDANCE_LOOSE_FORMATS = frozenset({"date-time", "time"})
SUBSCHEMA_KEYS = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
                  "additionalItems", "unevaluatedProperties", "unevaluatedItems")  # fmt: skip
SUBSCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "dependencies")
SUBSCHEMA_LISTS = ("oneOf", "anyOf", "allOf", "prefixItems", "items")
_UNIMPLEMENTED = re.compile(r"Unimplemented keys: \[(.*)\]")
_UNKNOWN_FORMAT = re.compile(r"Unknown format: (\S+)")


class GrammarRefused(Exception):
    """The engine cannot compile the schema; the message says why (one line)."""


@dataclass(frozen=True)
class Coverage:
    """How much of a schema the compiled grammar expresses."""

    ignored: tuple[str, ...] = ()  # keywords the grammar does not enforce at all
    approximated: tuple[str, ...] = ()  # keywords enforced loosely (oneOf as anyOf, a format's shape)

    @property
    def complete(self) -> bool:
        """Whether every keyword of the schema is enforced exactly."""
        return not (self.ignored or self.approximated)

    def meta(self) -> dict[str, Any]:
        """The per-sample record: ``grammar_complete`` and, when not complete, the keywords left out."""
        out: dict[str, Any] = {"grammar_complete": self.complete}
        if self.ignored:
            out["grammar_ignored"] = list(self.ignored)
        if self.approximated:
            out["grammar_approximated"] = list(self.approximated)
        return out


class RowMatcher(Protocol):
    """One row's grammar state."""

    def fill(self, bitmask: Any, row: int) -> None:
        """Write the allowed next tokens into row ``row`` of ``bitmask``."""
        ...

    def accept(self, token: int) -> bool:
        """Advance by one sampled token; False when the grammar refuses it."""
        ...

    def terminated(self) -> bool:
        """Whether the row ended (accepted an end token)."""
        ...


@dataclass(frozen=True)
class CompiledSchema:
    """A schema compiled by one engine: the engine's handle and the coverage it reached."""

    engine: GrammarEngine
    handle: Any
    coverage: Coverage

    def matcher(self) -> RowMatcher:
        """A fresh matcher at the start of the grammar."""
        return self.engine.matcher(self.handle)


class GrammarEngine(Protocol):
    """Compiles JSON Schemas for one tokenizer and makes row matchers."""

    name: str
    vocab_size: int

    def compile(self, schema: dict[str, Any]) -> CompiledSchema:
        """The compiled schema; raises GrammarRefused when the engine cannot express it."""
        ...

    def matcher(self, handle: Any) -> RowMatcher:
        """A fresh matcher for a compiled handle."""
        ...


def engine_version(name: str) -> str:
    """The installed version of an engine's package."""
    return version(name)


def make_engine(name: str, tokenizer: Any, vocab_size: int, stop_token_ids: Sequence[int]) -> GrammarEngine:
    """The engine called ``name`` for this tokenizer (its vocabulary indexed on first compile)."""
    if name == "llguidance":
        return LLGuidanceEngine(tokenizer, vocab_size, stop_token_ids)
    return XGrammarEngine(tokenizer, vocab_size, stop_token_ids)


# --- xgrammar -------------------------------------------------------------------------------------


class _XGrammarRow:
    def __init__(self, matcher: Any) -> None:
        self._matcher = matcher

    def fill(self, bitmask: Any, row: int) -> None:
        self._matcher.fill_next_token_bitmask(bitmask, row)

    def accept(self, token: int) -> bool:
        return bool(self._matcher.accept_token(token))

    def terminated(self) -> bool:
        return bool(self._matcher.is_terminated())


class XGrammarEngine:
    """xgrammar, compact JSON (no free whitespace); coverage from ``xgrammar_gaps``."""

    name = "xgrammar"

    def __init__(self, tokenizer: Any, vocab_size: int, stop_token_ids: Sequence[int]) -> None:
        self._tokenizer = tokenizer
        self.vocab_size = vocab_size
        self._stop_token_ids = list(stop_token_ids)
        self._compiler: Any | None = None

    @property
    def compiler(self) -> Any:
        """The xgrammar compiler, built on first use (it indexes the whole vocabulary)."""
        if self._compiler is None:
            import xgrammar as xgr

            info = xgr.TokenizerInfo.from_huggingface(
                self._tokenizer, vocab_size=self.vocab_size, stop_token_ids=self._stop_token_ids
            )
            self._compiler = xgr.GrammarCompiler(info, max_threads=2)
        return self._compiler

    def compile(self, schema: dict[str, Any]) -> CompiledSchema:
        """Compile with ``any_whitespace=False``; xgrammar raises RuntimeError/ValueError/TypeError on refusal."""
        try:
            handle = self.compiler.compile_json_schema(schema, any_whitespace=False)
        except Exception as exc:
            raise GrammarRefused(str(exc)) from None
        ignored, approximated = xgrammar_gaps(schema)
        return CompiledSchema(self, handle, Coverage(ignored, approximated))

    def matcher(self, handle: Any) -> RowMatcher:
        """A new ``xgr.GrammarMatcher``."""
        import xgrammar as xgr

        return _XGrammarRow(xgr.GrammarMatcher(handle))


def subschemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object inside ``node``, ``node`` included, depth first."""
    if not isinstance(node, dict):
        return
    yield node
    for key in SUBSCHEMA_KEYS:
        if isinstance(node.get(key), dict):
            yield from subschemas(node[key])
    for key in SUBSCHEMA_MAPS:
        if isinstance(node.get(key), dict):
            for child in node[key].values():
                yield from subschemas(child)
    for key in SUBSCHEMA_LISTS:
        if isinstance(node.get(key), list):
            for child in node[key]:
                yield from subschemas(child)


def xgrammar_gaps(schema: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ignored, approximated) keywords of ``schema`` under xgrammar, each named once, in schema order."""
    ignored: dict[str, None] = {}
    approximated: dict[str, None] = {}
    for node in subschemas(schema):
        for key in XGRAMMAR_IGNORED:
            if key in node and not (key == "uniqueItems" and node[key] is False):
                ignored[key] = None
        if isinstance(node.get("format"), str):
            approximated[f"format:{node['format']}"] = None
        if "minLength" in node or "maxLength" in node:
            approximated[XGRAMMAR_LENGTH_GAP] = None
        combinators = [k for k in COMBINATORS if k in node]
        siblings = sorted(k for k in node if k not in ANNOTATIONS and k not in COMBINATORS)
        if combinators and siblings:
            # xgrammar compiles the combinator and drops the node's own keywords (the issue-25 case).
            ignored[f"{'/'.join(combinators)} beside {','.join(siblings)}"] = None
        if "oneOf" in node:
            approximated["oneOf (as anyOf)"] = None
    return tuple(ignored), tuple(approximated)


# --- llguidance -----------------------------------------------------------------------------------


class _LLGuidanceRow:
    def __init__(self, matcher: Any, stop_token_ids: frozenset[int]) -> None:
        self._matcher = matcher
        self._stop = stop_token_ids
        self._ended = False

    def fill(self, bitmask: Any, row: int) -> None:
        from llguidance.torch import fill_next_token_bitmask

        fill_next_token_bitmask(self._matcher, bitmask, row)

    def accept(self, token: int) -> bool:
        ok = bool(self._matcher.consume_token(token))
        self._ended = ok and token in self._stop
        return ok

    def terminated(self) -> bool:
        return self._ended


class LLGuidanceEngine:
    """llguidance (the engine behind Guidance), compact JSON; oneOf compiled as anyOf, unknown keywords
    ignored (lenient), both reported from the grammar's own warnings."""

    name = "llguidance"
    # xgrammar's fixed layout ({"a": 1, "b": [2, 3]}): the one small models were trained on; with "," and ":"
    # alone, smollm2-135m looped in digits until the budget on every schema_json test row (a first measurement).
    options: ClassVar[dict[str, Any]] = {
        "whitespace_flexible": False,
        "item_separator": ", ",
        "key_separator": ": ",
        "lenient": True,
        "coerce_one_of": True,
    }

    def __init__(self, tokenizer: Any, vocab_size: int, stop_token_ids: Sequence[int]) -> None:
        self._tokenizer = tokenizer
        self.vocab_size = vocab_size
        self._stop_token_ids = frozenset(stop_token_ids)
        self._ll_tokenizer: Any | None = None

    @property
    def ll_tokenizer(self) -> Any:
        """The llguidance tokenizer, built on first use from the fast HF tokenizer."""
        if self._ll_tokenizer is None:
            try:
                import llguidance.hf
            except ImportError:
                raise missing_extra("llguidance", "local") from None
            self._ll_tokenizer = llguidance.hf.from_tokenizer(
                self._tokenizer, n_vocab=self.vocab_size, eos_token=sorted(self._stop_token_ids)
            )
        return self._ll_tokenizer

    def compile(self, schema: dict[str, Any]) -> CompiledSchema:
        """A prototype matcher (rows get deep copies) and the coverage its warnings state."""
        import llguidance

        tokenizer = self.ll_tokenizer
        try:
            grammar = llguidance.LLMatcher.grammar_from_json_schema(schema, overrides=self.options)  # type: ignore[arg-type]
        except ValueError as exc:
            raise GrammarRefused(str(exc)) from None
        prototype = llguidance.LLMatcher(tokenizer, grammar, log_level=0)
        if prototype.is_error():
            raise GrammarRefused(prototype.get_error())
        return CompiledSchema(self, prototype, llguidance_coverage(schema, prototype.get_grammar_warnings()))

    def matcher(self, handle: Any) -> RowMatcher:
        """A copy of the prototype matcher (cheaper than building the grammar again)."""
        return _LLGuidanceRow(handle.deep_copy(), self._stop_token_ids)


def llguidance_coverage(schema: dict[str, Any], warnings: Sequence[str]) -> Coverage:
    """llguidance's warnings as keywords: unimplemented keys and unknown formats ignored, oneOf approximated."""
    ignored: dict[str, None] = {}
    approximated: dict[str, None] = {}
    for warning in warnings:
        keys = _UNIMPLEMENTED.search(warning)
        unknown = _UNKNOWN_FORMAT.search(warning)
        if keys:
            ignored.update(dict.fromkeys(k.strip().strip('"') for k in keys.group(1).split(",") if k.strip()))
        elif unknown:
            ignored[f"format:{unknown.group(1)}"] = None
        elif "oneOf" in warning:
            approximated["oneOf (as anyOf)"] = None
        else:
            approximated[warning.splitlines()[0][:120]] = None
    for node in subschemas(schema):
        if node.get("format") in LLGUIDANCE_LOOSE_FORMATS:
            approximated[f"format:{node['format']}"] = None
    return Coverage(tuple(ignored), tuple(approximated))


@dataclass
class StringCap:
    """``max_string_tokens``: after that many tokens inside one JSON string (the token that opens it counted),
    only tokens that close it (and that the grammar allows) may follow. Tokens are lexed for quotes and
    backslashes only."""

    limit: int
    quote_mask: Any  # int32 bitmask row: tokens whose text holds a double quote
    specials: dict[int, str] = field(default_factory=dict)  # token id → text, for tokens with '"' or '\\'

    @classmethod
    def for_tokenizer(cls, tokenizer: Any, vocab_size: int, limit: int) -> StringCap:
        """Index the vocabulary once: which tokens hold a quote or a backslash."""
        import torch

        size = min(vocab_size, len(tokenizer))
        texts = tokenizer.batch_decode([[i] for i in range(size)])
        specials = {i: t for i, t in enumerate(texts) if '"' in t or "\\" in t}
        bits = torch.zeros((vocab_size + 31) // 32 * 32, dtype=torch.int64)
        bits[[i for i, t in specials.items() if '"' in t]] = 1
        words = (bits.view(-1, 32) << torch.arange(32)).sum(dim=1)
        quote_mask = torch.where(words >= 2**31, words - 2**32, words).to(torch.int32)
        return cls(limit, quote_mask, specials)


class StringState:
    """Where one row is in the JSON it writes: inside a string or not, and for how many tokens."""

    def __init__(self) -> None:
        self.inside = False
        self.escaped = False
        self.tokens = 0
        self.capped = False  # this string was already forced to close (counted once)
        self.hits = 0

    def feed(self, token: int, cap: StringCap) -> None:
        """Advance over one token."""
        text = cap.specials.get(token)
        if text is None:
            self.tokens += self.inside
            return
        for char in text:
            if self.inside and self.escaped:
                self.escaped = False
            elif self.inside and char == "\\":
                self.escaped = True
            elif char == '"':
                self.inside, self.tokens, self.capped = not self.inside, 0, False
        self.tokens += self.inside
