"""Local sequence-classification checkpoints: one forward pass per batch, labels through ``id2label``.

A classifier answers label requests only: the task renders the bare text as the user turn, names the
candidates in ``Request.labels`` and asks for one label or a set (``Request.multi_label``). The answer
is ``Response.labels`` (the chosen labels; ``text`` is them joined by ", "), and ``meta["confidence"]``
carries the probability behind it. It writes no task's answer format.

- One label: the arg-max class. Out of scope is either a class of the model (``out_of_scope`` or
  CLINC's ``oos``) or, with ``--model-arg oos_threshold=P``, any answer whose probability is below P.
- A set: sigmoid heads (``problem_type: multi_label_classification``) give every class with
  probability ≥ ``label_threshold`` (default 0.5); softmax heads give every class ≥ ``label_threshold``
  (default 0.2). The most probable class is always in the set. Confidence is given for sigmoid heads
  (the probability of exactly that set, classes taken as independent).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from harness.metrics.classification import OOS
from harness.models.hf.backend import LocalBackend
from harness.models.hf.generation import first_line
from harness.types import ModelCaps, Request, Response

OOS_ALIASES = {"oos": OOS, "out_of_scope": OOS, "out-of-scope": OOS}
MAX_LENGTH = 512
LABEL_SEPARATOR = ", "


def model_labels(config: Any) -> list[str]:
    """The class names in index order, CLINC's ``oos`` read as ``out_of_scope``."""
    id2label = getattr(config, "id2label", None) or {}
    names = [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(config.num_labels)]
    return [OOS_ALIASES.get(name.lower(), name) for name in names]


class HFClassifierBackend(LocalBackend):
    """A transformers ``AutoModelForSequenceClassification`` answering label requests in batches."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        fingerprint: dict[str, Any],
        model_kind: str,
        batch_size: int,
        oos_threshold: float | None,
        label_threshold: float | None,
        training_card: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self._fingerprint = fingerprint
        self._model_kind = model_kind
        self._training_card = training_card
        self.batch_size = batch_size
        self.labels = model_labels(model.config)
        self.multi_label = getattr(model.config, "problem_type", None) == "multi_label_classification"
        self.oos_threshold = oos_threshold
        self.label_threshold = label_threshold if label_threshold is not None else (0.5 if self.multi_label else 0.2)
        self.caps = ModelCaps(label_scores=True, labels=tuple(self.labels))
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """Classify in a worker thread (the runner stores the previous batch meanwhile)."""
        return await asyncio.to_thread(self.classify, list(requests))

    def classify(self, requests: list[Request]) -> list[Response]:
        """One forward pass over the batch's texts (the last user turn of each request)."""
        import torch

        start = time.perf_counter()
        texts = [request.messages[-1].content for request in requests]
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
        encoded = encoded.to(self.model.device)
        try:
            with torch.inference_mode():
                logits = self.model(**encoded).logits.float()
        except RuntimeError as exc:
            return [Response(error=f"classification failed: {first_line(exc)}") for _ in requests]
        probs = (torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)).tolist()
        latency_ms = (time.perf_counter() - start) * 1000
        tokens_in = encoded["attention_mask"].sum(dim=1).tolist()
        return [
            self._answer(request, row, int(n), latency_ms)
            for request, row, n in zip(requests, probs, tokens_in, strict=True)
        ]

    def _answer(self, request: Request, probs: list[float], tokens_in: int, latency_ms: float) -> Response:
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        top = order[0]
        meta: dict[str, Any] = {"top": {self.labels[i]: round(probs[i], 4) for i in order[:3]}}
        if request.multi_label:
            chosen = [i for i in order if probs[i] >= self.label_threshold] or [top]
            labels = tuple(sorted(self.labels[i] for i in chosen))
            if self.multi_label:
                confidence = 1.0
                for i, p in enumerate(probs):
                    confidence *= p if i in chosen else 1.0 - p
                meta["confidence"] = confidence
        else:
            label, confidence = self.labels[top], probs[top]
            if self.oos_threshold is not None and confidence < self.oos_threshold:
                label, confidence = OOS, 1.0 - confidence
            labels = (label,)
            meta["confidence"] = confidence
        return Response(
            text=LABEL_SEPARATOR.join(labels),
            labels=labels,
            tokens_in=tokens_in,
            tokens_out=0,
            latency_ms=latency_ms,
            meta=meta,
        )

    def close(self) -> None:
        """Drop the model."""
        self.model = None
