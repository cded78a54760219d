"""The local checkpoint backends' common base and the transformers generation backend (``HFBackend``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from pydantic import Field

from harness.models.base import BackendArgs, LoadOptions, ModelBackend
from harness.models.hf import prompt_lookup
from harness.models.hf.continuous import generate_continuous, serves
from harness.models.hf.generation import eos_ids, generate_padded, render_prompts, template_takes_tools
from harness.models.hf.prefix_cache import PrefixCache
from harness.models.limits import Policy
from harness.types import ModelCaps, Request, Response

CONTINUOUS_CALL_BATCHES = 4  # a continuous-engine call takes this many --batch-size worths of requests


class HFArgs(BackendArgs):
    """``--model-arg`` options of local checkpoints."""

    dtype: Literal["float32", "bfloat16", "float16"] | None = None
    device: str | None = Field(default=None, pattern=r"^(cpu|mps|cuda(:\d+)?)$")
    trust_remote_code: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    # Causal models: transformers' continuous-batching engine for plain greedy batches
    # (harness/models/hf/continuous.py). Off by default: on CPU it is slower than padded generate
    # (bench/README.md); meant for accelerators, where its paged kernels pay off.
    continuous: bool = False
    # Causal models: prefill a batch's shared token prefix once and keep it across batches
    # (harness/models/hf/prefix_cache.py), and decode greedy batches with batched prompt lookup
    # (harness/models/hf/prompt_lookup.py). Both give generate's outputs: the fingerprint ignores them.
    prefix_cache: bool = True
    prompt_lookup: bool = True
    # --constrained: the JSON-Schema grammar engine (None: grammar_engines.DEFAULT_ENGINE), and a cap on the
    # tokens of any one JSON string (a decoding choice: both are in the fingerprint).
    grammar: Literal["xgrammar", "llguidance"] | None = None
    max_string_tokens: int | None = Field(default=None, ge=1)
    # What a local model's tokens cost you, in USD per million input / output tokens (your GPU-hour price over
    # the tokens an hour yields): the run's cost_usd and the @K cost curves of --samples use it. Unset: 0,
    # and cost figures say no price was given. Not in the fingerprint: a price does not change answers.
    price_in: float | None = Field(default=None, ge=0)
    price_out: float | None = Field(default=None, ge=0)
    # Sequence-classification checkpoints only (harness/models/hf/classifier.py).
    oos_threshold: float | None = Field(default=None, ge=0, le=1)
    label_threshold: float | None = Field(default=None, ge=0, le=1)


def local_policy(args: HFArgs) -> Policy:
    """A local model's call policy: the price per token its user gave (``price_in``/``price_out``), else none."""
    if args.price_in is None and args.price_out is None:
        return Policy()
    return Policy(price_in=args.price_in or 0.0, price_out=args.price_out or 0.0)


class LocalBackend(ModelBackend):
    """What every local checkpoint backend shares: a loaded model, its fingerprint and its kind."""

    kind = "local"
    model: Any
    _fingerprint: dict[str, Any]
    _model_kind: str
    _training_card: dict[str, Any] | None = None

    @property
    def fingerprint(self) -> dict[str, Any]:
        """Spec label, kind, weights hash and decoding: never a machine path."""
        return dict(self._fingerprint)

    @property
    def params(self) -> int:
        """Parameter count (tied embeddings counted once)."""
        return sum(p.numel() for p in self.model.parameters())

    @property
    def model_kind(self) -> str:
        """'local-finetuned' when the directory has a training.json, else 'local-base'."""
        return self._model_kind

    @property
    def training_card(self) -> dict[str, Any] | None:
        """The directory's training.json as read at load time (not part of the fingerprint)."""
        return self._training_card


class HFBackend(LocalBackend):
    """A local transformers model: batched generation, greedy by default, optional JSON constraints."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        arch: str,
        fingerprint: dict[str, Any],
        model_kind: str,
        args: HFArgs,
        opts: LoadOptions,
        training_card: dict[str, Any] | None = None,
    ) -> None:
        from harness.models.hf.constrained import JsonSchemaGrammars

        self.model = model
        self.tokenizer = tokenizer
        self.policy = local_policy(args)
        self.arch = arch
        self._fingerprint = fingerprint
        self._model_kind = model_kind
        self._training_card = training_card
        self._max_tokens = args.max_tokens
        self._seed = opts.seed
        # --batch-size is how many rows decode at once. The continuous engine refills a finished row from
        # the requests of the same call, so a call takes several batches' worth (results still reach the
        # store call by call, so a kill loses at most one call).
        self.continuous = args.continuous and arch == "causal"
        self.batch_rows = opts.batch_size
        self.batch_size = opts.batch_size * (CONTINUOUS_CALL_BATCHES if self.continuous else 1)
        self.eos_token_ids = eos_ids(model, tokenizer)
        self.prefix_cache = PrefixCache() if args.prefix_cache and arch == "causal" else None
        self.prompt_lookup = args.prompt_lookup and arch == "causal"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        if arch == "causal":
            tokenizer.padding_side = "left"
        self.caps = ModelCaps(
            chat_template=bool(tokenizer.chat_template),
            native_tools=template_takes_tools(tokenizer),
            constrained_decoding=True,
        )
        self.grammars = JsonSchemaGrammars(
            tokenizer, model.config.vocab_size, self.eos_token_ids, args.grammar, args.max_string_tokens
        )
        if opts.constrained:
            self._fingerprint = {**fingerprint, "grammar": self.grammars.fingerprint}

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """Generate in a worker thread, so the runner can store results while the next batch computes."""
        return await asyncio.to_thread(self.generate_sync, list(requests))

    def generate_sync(self, requests: list[Request]) -> list[Response]:
        """One Response per Request; requests with different temperatures go to separate generate calls."""
        start = time.perf_counter()
        responses: list[Response | None] = [None] * len(requests)
        groups: dict[float, list[int]] = {}
        for index, request in enumerate(requests):
            groups.setdefault(request.temperature, []).append(index)
        for indices in groups.values():
            batch = [self._effective(requests[i]) for i in indices]
            for index, response in zip(indices, self.generate_batch(batch), strict=True):
                responses[index] = response
        latency_ms = (time.perf_counter() - start) * 1000
        return [r.with_latency(latency_ms) for r in responses if r is not None]

    def generate_batch(self, requests: list[Request]) -> list[Response]:
        """Render every prompt, then generate for those that rendered; a template failure is that sample's error.

        Plain greedy batches go to the continuous engine when it is on; other greedy batches of causal models
        to prompt-lookup decoding (on by default); the rest to padded ``generate`` calls; at most ``batch_rows``
        rows at a time.
        """
        prompts, responses = render_prompts(self.tokenizer, requests)
        ready = [i for i, prompt in enumerate(prompts) if prompt is not None]
        batch, texts = [requests[i] for i in ready], [str(prompts[i]) for i in ready]
        if ready and serves(self, batch):
            outputs = generate_continuous(self, batch, texts)
        elif ready and prompt_lookup.serves(self, batch):
            outputs = generate_padded(self, batch, texts, decode=prompt_lookup.generate_lookup)
        else:
            outputs = generate_padded(self, batch, texts)
        for index, response in zip(ready, outputs, strict=True):
            responses[index] = response
        return [r for r in responses if r is not None]

    def _effective(self, request: Request) -> Request:
        """The request with the ``max_tokens`` override applied."""
        if self._max_tokens is None or self._max_tokens == request.max_tokens:
            return request
        return replace(request, max_tokens=self._max_tokens)

    def seed_for(self, requests: Sequence[Request]) -> int:
        """The torch seed of one generate call: the first request's seed, else the run's."""
        seed = requests[0].seed if requests else None
        return self._seed if seed is None else seed

    def close(self) -> None:
        """Drop the model and free accelerator memory."""
        import torch

        self.model = None
        self.prefix_cache = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
