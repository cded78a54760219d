"""The base model and the training examples: load the base for its kind, render and tokenise as evaluation does.

Three kinds: causal LMs (prompt masked, the answer ``target_text`` + EOS as labels), seq2seq models (the
prompt as encoder input, the answer as decoder labels) and classifiers (an encoder, or a sequence
classifier, with a head over the task's labels). torch, transformers and peft are imported inside
the functions that need them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import BadInput, missing_extra
from harness.finetune.config import FinetuneConfig
from harness.metrics.classification import OOS
from harness.registry import model_factories
from harness.task import RenderOptions, Task
from harness.types import Example, ModelCaps

ENCODER_TYPES = {"bert", "roberta", "xlm-roberta", "distilbert", "deberta", "deberta-v2", "electra", "mpnet", "albert"}
LORA: dict[str, Any] = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.05}
LLAMA_LIKE_TARGETS = ["q_proj", "v_proj"]
IGNORE = -100


@dataclass
class Base:
    """The loaded base: model and tokenizer, what it is, and how evaluation will ask it."""

    model: Any
    tokenizer: Any
    kind: str  # causal, seq2seq or classifier
    caps: ModelCaps
    fingerprint: dict[str, Any]
    labels: list[str] = field(default_factory=list)
    multi_label: bool = False


@dataclass
class Encoded:
    """One training example as ids: ``target`` is token labels, a class index or a multi-hot row."""

    input_ids: list[int]
    target: Any
    truncated: bool = False


# ---- the base model -----------------------------------------------------------------------------------


def base_directory(base: str) -> tuple[Path, str]:
    """The checkpoint directory of ``--base`` (a path, or a built-in name loaded as ``harness run`` loads it)
    and its label for fingerprints (a relative path as given, a directory name, or the built-in name)."""
    from harness.models.base import LoadOptions
    from harness.models.hf import fingerprint_label

    if Path(base).is_dir():
        return Path(base), fingerprint_label(base)
    if base in model_factories():
        backend = model_factories()[base].load()(base, base, {}, LoadOptions())
        model = getattr(backend, "model", None)
        name = getattr(model, "name_or_path", "")
        backend.close()
        if not name or not Path(name).is_dir():
            raise BadInput(f"--base {base}: a built-in model without a local checkpoint: give a checkpoint directory")
        return Path(name), base
    if Path(base).exists():
        raise BadInput(f"--base {base}: not a directory: give a checkpoint directory saved with save_pretrained")
    raise BadInput(f"--base {base}: no such checkpoint directory or built-in model: give a path or e.g. smollm2-135m")


def has_labels(task: Task, example: Example) -> bool:
    """Whether the task classifies into a label set (intent): a classifier can then be trained on it."""
    return task.labels(example) is not None


def base_kind(path: Path) -> str:
    """'causal', 'seq2seq' or 'classifier' (a sequence classifier, or an encoder such as BERT or MiniLM)."""
    from harness.models.hf import detect_kind, read_config

    try:
        kind = detect_kind(path)
    except BadInput as exc:
        raise BadInput(f"--base {exc}") from None
    if kind == "lora":
        raise BadInput(f"--base {path}: a LoRA adapter: give the full checkpoint (or merge the adapter first)")
    config = read_config(path)
    architectures = [str(a) for a in config.get("architectures") or ()]
    encoder = config.get("model_type") in ENCODER_TYPES or any(a.endswith("ForMaskedLM") for a in architectures)
    return "classifier" if kind == "classifier" or (encoder and not config.get("is_decoder")) else kind


def load_base(config: FinetuneConfig, task: Task, examples: list[Example]) -> Base:
    """Load the base for its kind, checking that kind, task and method go together."""
    path, label = base_directory(config.base)
    kind = base_kind(path)
    if kind == "classifier":
        if not examples or not has_labels(task, examples[0]):
            raise BadInput(
                f"--base {config.base}: an encoder/classifier, but task {task.name} has no label set: "
                "give a causal or seq2seq base"
            )
        if config.method == "lora":
            raise BadInput("--method lora: not for sequence classifiers: use --method full with an encoder base")
        return load_classifier_base(path, label, task, examples)
    return load_generative_base(path, label, config.seed)


def load_generative_base(path: Path, label: str, seed: int) -> Base:
    """A causal or seq2seq base, loaded through the evaluation backend (same caps, same fingerprint)."""
    from harness.models.base import LoadOptions
    from harness.models.hf import HFArgs, HFBackend, open_checkpoint

    backend = open_checkpoint(path, HFArgs(dtype="float32"), LoadOptions(seed=seed), label)
    assert isinstance(backend, HFBackend)
    backend.model.train()
    return Base(backend.model, backend.tokenizer, backend.arch, backend.caps, backend.fingerprint)


def task_labels(task: Task, examples: list[Example]) -> tuple[list[str], bool]:
    """The classes and whether the train data is multi-label.

    The classes are every label the task declares for these examples (``Task.labels``), in its order, not
    only those a limited train set happens to show; then any train label it does not declare; out_of_scope
    last and only when train has it (a head never trained on it would still pick it).
    """
    seen = {label for e in examples for label in label_set(e)}
    declared = dict.fromkeys(label for e in examples for label in task.labels(e) or {})
    labels = [label for label in declared if label != OOS]
    labels += sorted(seen - set(labels) - {OOS})
    if OOS in seen:
        labels.append(OOS)
    return labels, any(isinstance(e.target, list) for e in examples)


def label_set(example: Example) -> frozenset[str]:
    """An example's gold labels: one label, or a list of them."""
    target = example.target
    return frozenset(target) if isinstance(target, list) else frozenset([str(target)])


def load_classifier_base(path: Path, label: str, task: Task, examples: list[Example]) -> Base:
    """An encoder with a fresh classification head over the task's labels (seeded by the caller)."""
    from harness.models.hf import import_transformers, resolve_device, tokenizer_hash, weights_hash

    transformers = import_transformers()
    labels, multi = task_labels(task, examples)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            path,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)},
            problem_type="multi_label_classification" if multi else "single_label_classification",
            ignore_mismatched_sizes=True,
        )
    except (OSError, ValueError, KeyError) as exc:
        raise BadInput(f"--base {path}: cannot load it as a sequence classifier: {str(exc).splitlines()[0]}") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.to(resolve_device(None)).train()
    fingerprint = {
        "spec": label,
        "kind": "encoder",
        "model_type": model.config.model_type,
        "weights": weights_hash(path),
        "tokenizer": tokenizer_hash(path),
    }
    caps = ModelCaps(label_scores=True, labels=tuple(labels))
    return Base(model, tokenizer, "classifier", caps, fingerprint, labels, multi)


def add_lora(base: Base) -> Any:
    """Wrap the model in a LoRA adapter (r=8, alpha=16, dropout 0.05); peft picks the modules it knows."""
    try:
        import peft
    except ImportError:
        raise missing_extra("peft", "local") from None
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as KNOWN

    model_type = base.model.config.model_type
    targets = None if model_type in KNOWN else LLAMA_LIKE_TARGETS
    names = {name.rsplit(".", 1)[-1] for name, _ in base.model.named_modules()}
    if targets is not None and not set(targets) <= names:
        raise BadInput(f"--method lora: peft does not know model type '{model_type}': use --method full")
    task_type = "CAUSAL_LM" if base.kind == "causal" else "SEQ_2_SEQ_LM"
    lora = peft.LoraConfig(task_type=task_type, target_modules=targets, **LORA)
    with warnings.catch_warnings():  # peft calls a transformers method deprecated in v5
        warnings.simplefilter("ignore", FutureWarning)
        return peft.get_peft_model(base.model, lora)


# ---- rendering and tokenising ----------------------------------------------------------------------------


def encode_examples(task: Task, base: Base, examples: list[Example], max_length: int) -> list[Encoded]:
    """Every train example rendered as evaluation renders it, then tokenised for the base's kind."""
    opts = RenderOptions(caps=base.caps, mode="prompt", constrained=False)
    task.check_options(opts, examples)
    if base.kind == "classifier":
        return [encode_for_classifier(task, base, e, opts, max_length) for e in examples]
    if base.tokenizer.eos_token_id is None:
        raise BadInput("--base: its tokenizer has no EOS token: the answer could not end; give another base")
    return [encode_for_generation(task, base, e, opts, max_length) for e in examples]


def prompt_and_answer_ids(
    task: Task, tokenizer: Any, example: Example, opts: RenderOptions
) -> tuple[list[int], list[int]]:
    """The prompt's ids exactly as evaluation tokenises them, and the answer's: ``target_text`` + EOS."""
    from harness.models.hf import first_line, render_prompt

    request = task.render(example, opts)
    try:
        prompt = render_prompt(tokenizer, request)
    except Exception as exc:  # jinja raises its own errors
        raise BadInput(f"example {example.id}: the chat template failed: {first_line(exc)}") from None
    chat = bool(tokenizer.chat_template)  # the template already holds any BOS token
    prompt_ids = tokenizer(prompt, add_special_tokens=not chat)["input_ids"]
    answer_ids = tokenizer(task.target_text(example), add_special_tokens=False)["input_ids"]
    return list(prompt_ids), [*answer_ids, tokenizer.eos_token_id]


def encode_for_generation(task: Task, base: Base, example: Example, opts: RenderOptions, max_length: int) -> Encoded:
    """Causal: prompt + answer with the prompt masked; seq2seq: prompt in, answer as decoder labels.

    Over ``max_length``, the prompt loses its start (the answer is kept whole).
    """
    prompt, answer = prompt_and_answer_ids(task, base.tokenizer, example, opts)
    if base.kind == "seq2seq":
        truncated = len(prompt) > max_length
        return Encoded(prompt[-max_length:], answer[:max_length], truncated)
    keep = max(max_length - len(answer), 1)
    truncated = len(prompt) > keep
    prompt = prompt[-keep:]
    return Encoded(prompt + answer, [IGNORE] * len(prompt) + answer, truncated)


def encode_for_classifier(task: Task, base: Base, example: Example, opts: RenderOptions, max_length: int) -> Encoded:
    """The text the classifier backend reads (the request's last turn) and the class index or multi-hot row."""
    from harness.models.hf.classifier import MAX_LENGTH

    text = task.render(example, opts).messages[-1].content
    limit = min(max_length, MAX_LENGTH)
    ids = base.tokenizer(text, truncation=True, max_length=limit)["input_ids"]
    index = {name: i for i, name in enumerate(base.labels)}
    gold = label_set(example)
    if base.multi_label:
        target: Any = [1.0 if name in gold else 0.0 for name in base.labels]
    else:
        target = index[next(iter(gold))]
    return Encoded(list(ids), target, len(ids) >= limit)


def collate(batch: list[Encoded], kind: str, pad_id: int) -> dict[str, Any]:
    """Pad one batch to its longest row (right padding; padded label positions are ignored)."""
    import torch

    width = max(len(e.input_ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, example in enumerate(batch):
        ids[row, : len(example.input_ids)] = torch.tensor(example.input_ids)
        mask[row, : len(example.input_ids)] = 1
    if kind == "classifier":
        dtype = torch.float if isinstance(batch[0].target, list) else torch.long
        return {
            "input_ids": ids,
            "attention_mask": mask,
            "labels": torch.tensor([e.target for e in batch], dtype=dtype),
        }
    label_width = max(len(e.target) for e in batch)
    labels = torch.full((len(batch), label_width), IGNORE, dtype=torch.long)
    for row, example in enumerate(batch):
        labels[row, : len(example.target)] = torch.tensor(example.target)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
