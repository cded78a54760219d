"""intent: classify a customer-support message by intent; out-of-scope and multi-intent splits.

Records are ``{id, split, tags, text, labels}`` (``label`` for one label is accepted too); ``--data``
also takes CLINC150, BANKING77, NLU++ and MixATIS/MixSNIPS files (``public.py``), whose label set is
inferred from the file. An example whose record carries several labels, or the ``multilabel`` tag,
asks for a set of intents; every other example asks for one.

Three kinds of model answer the same examples:

- generative models get the label list (with definitions for the built-in intents) and answer
  ``{"intent": "<label>"}`` or ``{"intents": [...]}``; a bare label or a comma-separated list is read too.
  ``--constrained`` decodes under the JSON Schema of that answer, whose strings are the label names;
  local models report the answer's probability as its confidence;
- label-scoring models (sequence-classification checkpoints, ``harness/models/hf/classifier.py``) get
  the bare text with the candidate labels in ``Request.labels`` and answer ``Response.labels``;
- API models in ``--mode native`` answer with structured output under the same schema.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.data import record_split, record_tags, require
from harness.errors import BadInput
from harness.metrics.classification import OOS, classification_metrics
from harness.metrics.structured import extract_json
from harness.task import RenderOptions, Task
from harness.types import Example, Message, MetricValue, Request, Response, SampleResult, Scored, content_hash

MULTI_TAG = "multilabel"
MAX_LABELS = 4
SINGLE_TOKENS = 40
MULTI_TOKENS = 96
SYSTEM_PROMPT = "You classify customer-support messages by intent.\n\nIntents:\n{labels}\n\n{answer}"
OOS_DEFINITION = "the message asks for something none of the other intents cover"
SINGLE_ANSWER = 'Answer with JSON only, naming the one intent of the message: {"intent": "<intent>"}'
MULTI_ANSWER = (
    "A message may carry several intents. Answer with JSON only, listing every intent the message carries: "
    '{"intents": ["<intent>", ...]}'
)


def builtin_intents() -> dict[str, str]:
    """The built-in label → definition map, out_of_scope last."""
    from harness.tasks.intent.intents import INTENTS, OUT_OF_SCOPE

    return {**INTENTS, OUT_OF_SCOPE: OOS_DEFINITION}


def answer_schema(labels: Sequence[str], multi: bool) -> dict[str, Any]:
    """JSON Schema of the answer: one label, or a set of 1-4 labels, from ``labels``."""
    enum = {"type": "string", "enum": list(labels)}
    if multi:
        prop = {"intents": {"type": "array", "items": enum, "minItems": 1, "maxItems": MAX_LABELS}}
        return {"type": "object", "properties": prop, "required": ["intents"], "additionalProperties": False}
    return {"type": "object", "properties": {"intent": enum}, "required": ["intent"], "additionalProperties": False}


def is_multi(example: Example) -> bool:
    """Whether the example asks for a set of intents."""
    return isinstance(example.target, list)


def gold_set(example: Example) -> frozenset[str]:
    """The example's labels as a set."""
    return frozenset(example.target) if isinstance(example.target, list) else frozenset([example.target])


def parse_labels(text: str, labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """(known labels, unknown names) read from an answer: the JSON object, a JSON string/list, or plain text."""
    found = extract_json(text)
    names: list[Any]
    if found.ok:
        value = found.value
        if isinstance(value, dict):
            value = value.get("intents", value.get("intent", value.get("label", value.get("labels"))))
        names = value if isinstance(value, list) else [value] if value is not None else []
    else:
        stripped = text.strip().strip("`").strip()
        names = [part for part in (p.strip().strip("\"'.") for p in stripped.split(",")) if part] if stripped else []
    return match_labels(names, labels)


def match_labels(names: Sequence[Any], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """(known labels, unknown names): each name matched to a label case-insensitively, duplicates dropped."""
    by_key = {label.lower(): label for label in labels}
    known, unknown = [], []
    for name in names:
        label = by_key.get(str(name).strip().lower()) if isinstance(name, str) else None
        if label is None:
            unknown.append(str(name)[:60])
        elif label not in known:
            known.append(label)
    return known, unknown


class IntentTask(Task):
    """Text → intent label (or set of labels); accuracy (subset accuracy on multilabel) is the headline."""

    name = "intent"
    version = "1.0"
    splits = ("train", "test", "ood", "multilabel")
    primary_metric = "accuracy"
    description = "Classify a customer-support message by intent, with out-of-scope and multi-intent splits."
    data_dir = Path(__file__).parent / "data"

    def __init__(self) -> None:
        # Labels of --data files (inferred when loaded); built-in examples use the built-in intents.
        self._data_labels: dict[str, str] | None = None

    # ---- data -------------------------------------------------------------------------------------
    def from_record(self, record: dict[str, Any], where: str, default_split: str) -> Example:
        """``{id?, split?, tags?, text, labels}`` (or ``label``); several labels make a multi-intent example."""
        text = require(record, "text", where, str)
        if not text.strip():
            raise BadInput(f"{where}: field 'text' is empty")
        if record.get("labels") is not None:
            labels = record["labels"]
            if not isinstance(labels, list) or not all(isinstance(v, str) and v for v in labels):
                raise BadInput(f"{where}: field 'labels' must be a list of label names")
        elif record.get("label") is not None:
            labels = [require(record, "label", where, str)]
        else:
            raise BadInput(f"{where}: missing field 'labels' (a list of intent names) or 'label'")
        tags = record_tags(record, where)
        labels = sorted(dict.fromkeys(labels))
        multi = len(labels) > 1 or MULTI_TAG in tags
        if not labels and not multi:
            raise BadInput(f"{where}: field 'labels' is empty: give the example's intent")
        target: Any = labels if multi else labels[0]
        split = record_split(record, where, default_split)
        inputs = {"text": text}
        example_id = (
            str(record["id"])
            if record.get("id") not in (None, "")
            else f"intent-{content_hash({'text': text, 'labels': labels})}"
        )
        return Example(example_id, split, inputs, target, tuple(dict.fromkeys(tags)))

    def load_data(self, path: str, answers: str | None = None) -> list[Example]:
        """The user's records in this task's format or a public one; the label set comes from the data."""
        from harness.data import read_records
        from harness.tasks.intent.public import detect, label_set, read_public

        if answers:
            raise BadInput("--answers: intent reads each answer from its record's 'labels' field")
        fmt = detect(path)
        pairs = read_public(path, fmt) if fmt else list(read_records(path))
        examples = [self.from_record(record, where, "test") for where, record in pairs]
        self._data_labels = dict.fromkeys(label_set([r for _, r in pairs]), "")
        if any(OOS in gold_set(e) for e in examples):
            self._data_labels[OOS] = OOS_DEFINITION
        return examples

    def labels(self, example: Example) -> dict[str, str]:
        """The candidate labels (with definitions where known) the example is classified into."""
        return self._data_labels if self._data_labels is not None else builtin_intents()

    # ---- rendering --------------------------------------------------------------------------------
    def check_options(self, opts: RenderOptions, examples: Sequence[Example]) -> None:
        """A classifier must know every label of the examples (out_of_scope may come from a threshold)."""
        if not opts.caps.label_scores:
            return
        wanted = {label for e in examples for label in gold_set(e)} - {OOS}
        missing = sorted(wanted - set(opts.caps.labels))
        if missing:
            shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
            raise BadInput(
                f"the classifier lacks {len(missing)} label(s) the task has: {shown}: its config.json id2label "
                f"must name every intent (train it on this task's labels with harness finetune)"
            )

    def render(self, example: Example, opts: RenderOptions) -> Request:
        """The label list and answer format, then the message; a classifier gets the bare message."""
        labels = self.labels(example)
        multi = is_multi(example)
        options: dict[str, Any] = {
            "max_tokens": MULTI_TOKENS if multi else SINGLE_TOKENS,
            "response_schema": answer_schema(list(labels), multi),
            "constrained": opts.constrained,
            "logprobs": True,
            "example_id": example.id,
        }
        if opts.caps.label_scores:  # a classifier: the bare message, the candidates, one label or a set
            message = Message("user", example.inputs["text"])
            return Request(messages=(message,), labels=tuple(labels), multi_label=multi, **options)
        messages = [Message("system", self.system_prompt(example, opts))]
        for shot in opts.shots:
            messages += [Message("user", self.user_prompt(shot, opts)), Message("assistant", self.target_text(shot))]
        messages.append(Message("user", self.user_prompt(example, opts)))
        return Request(messages=tuple(messages), **options)

    def system_prompt(self, example: Example, opts: RenderOptions) -> str:
        """The intents (name: definition) and the answer format."""
        lines = [f"- {name}: {meaning}" if meaning else f"- {name}" for name, meaning in self.labels(example).items()]
        answer = MULTI_ANSWER if is_multi(example) else SINGLE_ANSWER
        return SYSTEM_PROMPT.format(labels="\n".join(lines), answer=answer)

    def user_prompt(self, example: Example, opts: RenderOptions) -> str:
        """The message itself."""
        return str(example.inputs["text"])

    def target_text(self, example: Example) -> str:
        """The answer JSON: ``{"intent": "..."}`` or ``{"intents": [...]}``."""
        key = "intents" if is_multi(example) else "intent"
        return json.dumps({key: example.target}, ensure_ascii=False)

    # ---- scoring ----------------------------------------------------------------------------------
    def score(self, example: Example, response: Response) -> Scored:
        """``accuracy`` (and ``subset_accuracy`` on multi-intent examples): the predicted set equals the gold set."""
        metrics = ("accuracy", "subset_accuracy") if is_multi(example) else ("accuracy",)
        if response.error:
            return Scored(dict.fromkeys(metrics, 0.0), details={"error": response.error})
        candidates = list(self.labels(example))
        if response.labels is not None:  # a label-scoring model's own choice
            known, unknown = match_labels(response.labels, candidates)
        else:
            known, unknown = parse_labels(response.text, candidates)
        correct = float(frozenset(known) == gold_set(example))
        details: dict[str, Any] = {}
        confidence = response.meta.get("confidence")
        if isinstance(confidence, (int, float)) and math.isfinite(confidence):
            details["confidence"] = float(confidence)
        if unknown:
            details["unknown_labels"] = unknown
        if not known:
            details["error_type"] = "no_label" if not unknown else "unknown_label"
        elif not correct:
            details["error_type"] = "wrong_labels" if is_multi(example) else "wrong_label"
        parsed: Any = sorted(known) if is_multi(example) else (known[0] if len(known) == 1 else known or None)
        return Scored(dict.fromkeys(metrics, correct), parsed=parsed, details=details)

    def canonical_answer(self, example: Example, response: Response) -> str | None:
        """The sorted set of known labels the answer names, as JSON; None when it names none."""
        known, _ = self._answer_labels(example, response)
        return json.dumps(sorted(known), ensure_ascii=False) if known else None

    def verify(self, example: Example, response: Response) -> bool | None:
        """The answer names 1-4 labels, every one of them in the example's label set (no target read)."""
        known, unknown = self._answer_labels(example, response)
        return bool(known) and not unknown and len(known) <= MAX_LABELS

    def _answer_labels(self, example: Example, response: Response) -> tuple[list[str], list[str]]:
        """(known labels, unknown names) of an answer, as ``score`` reads them; none for an errored sample."""
        if response.error:
            return [], []
        candidates = list(self.labels(example))
        if response.labels is not None:
            return match_labels(response.labels, candidates)
        return parse_labels(response.text, candidates)

    def primary_metric_for(self, split: str) -> str:
        """Subset accuracy on the multilabel split, accuracy elsewhere."""
        return "subset_accuracy" if split == MULTI_TAG else "accuracy"

    def aggregate(self, split: str, results: Sequence[SampleResult], seed: int = 0) -> dict[str, MetricValue]:
        """Corpus metrics from the stored label sets: accuracy, macro-F1, OOS and multi-label metrics, ECE."""
        gold = [gold_set(r.example) for r in results]
        pred = [frozenset(_as_list(r.scored.parsed)) if not r.response.error else frozenset() for r in results]
        confidence = [r.scored.details.get("confidence") for r in results]
        multi = any(is_multi(r.example) for r in results)
        return classification_metrics(gold, pred, confidence, multilabel=multi, seed=seed)


def _as_list(parsed: Any) -> list[str]:
    if parsed is None:
        return []
    return [str(p) for p in parsed] if isinstance(parsed, list) else [str(parsed)]
