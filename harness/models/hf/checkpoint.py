"""Local transformers checkpoints on disk: what kind a directory holds, its hashes and card, and loading it.

``load_checkpoint`` reads a directory's config, decides which kind of model it holds and hands it
to that kind's loader (``LOADERS``): causal, seq2seq, sequence classifiers (``classifier.py``) and
LoRA adapters (loaded onto their base, a checkpoint path or a registered name, and merged). Importing
this module is cheap: torch, transformers and peft are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import BadInput, missing_extra
from harness.models.base import LoadOptions, ModelBackend
from harness.models.hf.attention import use_packed_sdpa
from harness.models.hf.backend import HFArgs, HFBackend, local_policy
from harness.models.hf.classifier import HFClassifierBackend
from harness.models.hf.generation import first_line

TRAINING_CARD = "training.json"  # written by harness finetune: the checkpoint is fine-tuned
CHUNK_BYTES = 256 * 1024
SAMPLED_CHUNKS = 4
WEIGHT_SUFFIXES = (".safetensors", ".bin")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "chat_template.json",
    "tokenizer.model",
    "spiece.model",
    "vocab.json",
    "merges.txt",
)


# The --model-arg options (HFArgs) each kind of checkpoint reads; a LoRA adapter's go to its causal or seq2seq base.
SHARED_OPTIONS = ("dtype", "device", "trust_remote_code", "price_in", "price_out")
# --constrained: the grammar engine and the cap on unbounded strings (issue 25).
GRAMMAR_OPTIONS = ("grammar", "max_string_tokens")
KIND_OPTIONS = {
    "causal": (*SHARED_OPTIONS, "max_tokens", "continuous", "prefix_cache", "prompt_lookup", *GRAMMAR_OPTIONS),
    "seq2seq": (*SHARED_OPTIONS, "max_tokens", *GRAMMAR_OPTIONS),
    "classifier": (*SHARED_OPTIONS, "oos_threshold", "label_threshold"),
    "lora": (*SHARED_OPTIONS, "max_tokens", "continuous", "prefix_cache", "prompt_lookup", *GRAMMAR_OPTIONS),
}


def load_checkpoint(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> ModelBackend:
    """The ``hf`` factory: a local checkpoint directory (``hf:DIR`` or a bare path)."""
    path = Path(target)
    parsed = parse_args_for(detect_kind(path), args, spec)
    return open_checkpoint(path, parsed, opts, label=fingerprint_label(target))


def parse_args_for(kind: str, args: dict[str, str], spec: str) -> HFArgs:
    """``--model-arg`` values for a checkpoint of ``kind``: a key it does not read is refused, naming those it does."""
    options = KIND_OPTIONS.get(kind, tuple(HFArgs.model_fields))
    unknown = next((key for key in args if key not in options), None)
    if unknown is not None:
        allowed = ", ".join(options)
        raise BadInput(f"--model-arg {unknown}: not an option of {kind} model '{spec}': use one of {allowed}")
    return HFArgs.parse(args, spec)


def open_checkpoint(path: Path, args: HFArgs, opts: LoadOptions, label: str) -> ModelBackend:
    """Load ``path`` with the loader for its kind; ``label`` is the fingerprint's ``spec``."""
    kind = detect_kind(path)
    loader = LOADERS.get(kind)
    if loader is None:
        raise BadInput(f"{path}: {kind} checkpoints are not supported: give a causal LM or seq2seq checkpoint")
    return loader(path, args, opts, label)


def detect_kind(path: Path) -> str:
    """'causal', 'seq2seq', 'classifier' or 'lora', from the directory's files and config."""
    if not path.is_dir():
        raise BadInput(f"{path}: not a directory: give a checkpoint directory saved with save_pretrained")
    if (path / "adapter_config.json").is_file():
        return "lora"
    if not (path / "config.json").is_file():
        raise BadInput(
            f"{path}: not a model checkpoint (no config.json): give a directory saved with save_pretrained, "
            "or a built-in model such as smollm2-135m"
        )
    config = read_config(path)
    if any(str(a).endswith("ForSequenceClassification") for a in config.get("architectures") or ()):
        return "classifier"
    if config.get("is_encoder_decoder"):
        return "seq2seq"
    return "causal"


def read_config(path: Path) -> dict[str, Any]:
    """The parsed config.json of a checkpoint directory."""
    try:
        data = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"{path / 'config.json'}: not valid JSON ({exc}): re-save the checkpoint") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path / 'config.json'}: not a JSON object: re-save the checkpoint")
    return data


def training_facts(path: Path) -> tuple[str, dict[str, Any] | None]:
    """(model kind, training card) of a checkpoint directory: 'local-finetuned' and the ``training.json``
    that ``harness finetune`` wrote, else 'local-base' and None.

    A file that is not a JSON object is no card, but the checkpoint still counts as fine-tuned.
    """
    card_file = path / TRAINING_CARD
    if not card_file.is_file():
        return "local-base", None
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "local-finetuned", None
    return "local-finetuned", card if isinstance(card, dict) else None


def fingerprint_label(target: str) -> str:
    """The checkpoint as the fingerprint names it: a relative path as given, else the directory name."""
    path = Path(target)
    if path.is_absolute():
        return path.resolve().name
    return os.path.normpath(target)


def sampled_file_digest(path: Path, hasher: Any) -> None:
    """Feed a file's name, size, safetensors header and a few evenly spaced chunks to ``hasher``.

    Enough to tell a fine-tuned checkpoint from its base without reading gigabytes.
    """
    size = path.stat().st_size
    hasher.update(f"{path.name}\0{size}\0".encode())
    with path.open("rb") as handle:
        if path.suffix == ".safetensors" and size >= 8:
            header_len = int.from_bytes(handle.read(8), "little")
            hasher.update(handle.read(min(header_len, size - 8)))
        if size <= SAMPLED_CHUNKS * CHUNK_BYTES:
            handle.seek(0)
            hasher.update(handle.read())
            return
        step = (size - CHUNK_BYTES) // (SAMPLED_CHUNKS - 1)
        for index in range(SAMPLED_CHUNKS):
            handle.seek(index * step)
            hasher.update(handle.read(CHUNK_BYTES))


def weights_hash(path: Path) -> str:
    """A hash of config.json and every weight file, sampled (see ``sampled_file_digest``)."""
    hasher = hashlib.sha256((path / "config.json").read_bytes())
    for weight_file in sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)):
        sampled_file_digest(weight_file, hasher)
    return hasher.hexdigest()[:16]


def tokenizer_hash(path: Path) -> str:
    """A hash of the tokenizer files (vocabulary, special tokens, chat template)."""
    hasher = hashlib.sha256()
    for name in TOKENIZER_FILES:
        file = path / name
        if file.is_file():
            hasher.update(name.encode() + b"\0" + file.read_bytes())
    return hasher.hexdigest()[:16]


def resolve_device(requested: str | None) -> str:
    """The device to run on: the one asked for, else cuda when available, else cpu."""
    import torch

    if requested is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise BadInput(f"--model-arg device={requested}: no CUDA device is available: use device=cpu")
    return requested


def import_transformers() -> Any:
    """transformers, quietened (the runner owns the terminal), or the one-line missing-extra error."""
    try:
        import transformers
    except ImportError:
        raise missing_extra("transformers", "local") from None
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    return transformers


def set_threads(threads: int | None) -> None:
    """Pin torch's intra-op threads (``--threads``); None keeps torch's default (the physical cores)."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def load_model(path: Path, kind: str, args: HFArgs, opts: LoadOptions, label: str) -> HFBackend:
    """Load a causal or seq2seq checkpoint onto its device and wrap it in an ``HFBackend``."""
    transformers = import_transformers()
    set_threads(opts.threads)
    import torch

    device = resolve_device(args.device)
    dtype = args.dtype or ("bfloat16" if device.startswith("cuda") else "float32")
    auto = transformers.AutoModelForCausalLM if kind == "causal" else transformers.AutoModelForSeq2SeqLM
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path, trust_remote_code=args.trust_remote_code)
        model = auto.from_pretrained(path, dtype=getattr(torch, dtype), trust_remote_code=args.trust_remote_code)
    except (OSError, ValueError, KeyError) as exc:
        raise BadInput(f"{path}: cannot load the {kind} checkpoint: {first_line(exc)}") from None
    model.to(device).eval()
    if kind == "causal" and not args.continuous:  # transformers' continuous batching takes sdpa by name only
        use_packed_sdpa(model)  # the same attention, without copying the KV cache for short passes
    torch.manual_seed(opts.seed)
    fingerprint = {
        "spec": label,
        "kind": kind,
        "model_type": model.config.model_type,
        "weights": weights_hash(path),
        "tokenizer": tokenizer_hash(path),
        "dtype": dtype,
        "decoding": {"greedy": True, "max_tokens": args.max_tokens, "json_whitespace": "compact"},
        "constrained": opts.constrained,
    }
    model_kind, card = training_facts(path)
    return HFBackend(model, tokenizer, kind, fingerprint, model_kind, args, opts, training_card=card)


def load_classifier(path: Path, args: HFArgs, opts: LoadOptions, label: str) -> HFClassifierBackend:
    """Load a sequence-classification checkpoint onto its device and wrap it in an ``HFClassifierBackend``."""
    set_threads(opts.threads)
    transformers = import_transformers()
    import torch

    device = resolve_device(args.device)
    dtype = args.dtype or "float32"
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path, trust_remote_code=args.trust_remote_code)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            path, dtype=getattr(torch, dtype), trust_remote_code=args.trust_remote_code
        )
    except (OSError, ValueError, KeyError) as exc:
        raise BadInput(f"{path}: cannot load the sequence-classification checkpoint: {first_line(exc)}") from None
    model.to(device).eval()
    fingerprint = {
        "spec": label,
        "kind": "classifier",
        "model_type": model.config.model_type,
        "weights": weights_hash(path),
        "tokenizer": tokenizer_hash(path),
        "dtype": dtype,
        "oos_threshold": args.oos_threshold,
        "label_threshold": args.label_threshold,
    }
    model_kind, card = training_facts(path)
    backend = HFClassifierBackend(
        model,
        tokenizer,
        fingerprint,
        model_kind,
        opts.batch_size,
        args.oos_threshold,
        args.label_threshold,
        training_card=card,
    )
    backend.policy = local_policy(args)
    return backend


def read_adapter_base(path: Path) -> str:
    """The ``base_model_name_or_path`` of a LoRA adapter directory."""
    file = path / "adapter_config.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"{file}: not valid JSON ({exc}): re-save the adapter") from None
    base = data.get("base_model_name_or_path") if isinstance(data, dict) else None
    if not base or not isinstance(base, str):
        raise BadInput(f"{file}: no base_model_name_or_path: set it to the base checkpoint path or built-in name")
    return base


def open_adapter_base(base: str, adapter: Path, args: HFArgs, opts: LoadOptions) -> ModelBackend:
    """The adapter's base: a registered name (``opts.load_named``), or a path (relative to the adapter, else as is)."""
    raw = {
        k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in args.model_dump(exclude_defaults=True).items()
    }
    named = opts.load_named(base, raw, opts) if opts.load_named is not None else None
    if named is not None:
        return named
    candidates = [Path(base)] if Path(base).is_absolute() else [adapter / base, Path(base)]
    found = next((c for c in candidates if c.is_dir()), None)
    if found is None:
        raise BadInput(f"{adapter / 'adapter_config.json'}: base model '{base}' not found: fix base_model_name_or_path")
    if detect_kind(found) == "lora" or found.resolve() == adapter.resolve():
        raise BadInput(
            f"{adapter / 'adapter_config.json'}: base model '{base}' is itself an adapter: name a full checkpoint"
        )
    return open_checkpoint(found, args, opts, label=fingerprint_label(base))


def adapter_hash(path: Path) -> str:
    """A hash of adapter_config.json and the adapter weights, sampled like ``weights_hash``."""
    hasher = hashlib.sha256((path / "adapter_config.json").read_bytes())
    for weight_file in sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES)):
        sampled_file_digest(weight_file, hasher)
    return hasher.hexdigest()[:16]


def load_lora(path: Path, args: HFArgs, opts: LoadOptions, label: str) -> HFBackend:
    """A LoRA adapter directory: load its base as ``harness run`` would, apply the adapter and merge it."""
    base_name = read_adapter_base(path)
    try:
        import peft
    except ImportError:
        raise missing_extra("peft", "local") from None
    base = open_adapter_base(base_name, path, args, opts)
    if not isinstance(base, HFBackend):
        raise BadInput(f"{path}: the adapter's base '{base_name}' is not a causal or seq2seq model")
    try:
        with warnings.catch_warnings():  # peft calls a transformers method deprecated in v5
            warnings.simplefilter("ignore", FutureWarning)
            model = peft.PeftModel.from_pretrained(base.model, path).merge_and_unload()
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise BadInput(f"{path}: cannot apply the LoRA adapter to '{base_name}': {first_line(exc)}") from None
    model.eval()
    fingerprint = {**base.fingerprint, "spec": label, "base": base.fingerprint["spec"], "adapter": adapter_hash(path)}
    model_kind, card = training_facts(path)
    return HFBackend(model, base.tokenizer, base.arch, fingerprint, model_kind, args, opts, training_card=card)


LOADERS: dict[str, Callable[[Path, HFArgs, LoadOptions, str], ModelBackend]] = {
    "causal": lambda path, args, opts, label: load_model(path, "causal", args, opts, label),
    "seq2seq": lambda path, args, opts, label: load_model(path, "seq2seq", args, opts, label),
    "classifier": load_classifier,
    "lora": load_lora,
}
