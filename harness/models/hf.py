"""Local transformers checkpoints: causal LMs and seq2seq (encoder-decoder) models.

``load_checkpoint`` reads a directory's config, decides which kind of model it holds and hands it
to that kind's loader (``LOADERS``): causal, seq2seq, sequence classifiers (``hf_classifier.py``) and
LoRA adapters (loaded onto their base, a checkpoint path or built-in name, and merged). Importing this
module is cheap: torch, transformers and peft are imported inside the functions that need them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from harness.errors import BadInput, missing_extra
from harness.models.base import BackendArgs, ModelBackend
from harness.models.hf_continuous import generate_continuous, serves
from harness.models.resolve import LoadOptions
from harness.types import ModelCaps, Request, Response

TRAINING_CARD = "training.json"  # written by harness finetune: the checkpoint is fine-tuned
CHUNK_BYTES = 256 * 1024
CONTINUOUS_CALL_BATCHES = 4  # a continuous-engine call takes this many --batch-size worths of requests
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


class HFArgs(BackendArgs):
    """``--model-arg`` options of local checkpoints."""

    dtype: Literal["float32", "bfloat16", "float16"] | None = None
    device: str | None = Field(default=None, pattern=r"^(cpu|mps|cuda(:\d+)?)$")
    trust_remote_code: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    # Causal models: transformers' continuous-batching engine for plain greedy batches
    # (harness/models/hf_continuous.py). Off by default: on CPU it is slower than padded generate
    # (bench/README.md); meant for accelerators, where its paged kernels pay off.
    continuous: bool = False
    # Sequence-classification checkpoints only (harness/models/hf_classifier.py).
    oos_threshold: float | None = Field(default=None, ge=0, le=1)
    label_threshold: float | None = Field(default=None, ge=0, le=1)


def load_checkpoint(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> ModelBackend:
    """The ``hf`` factory: a local checkpoint directory (``hf:DIR`` or a bare path)."""
    parsed = HFArgs.parse(args, spec)
    path = Path(target)
    return open_checkpoint(path, parsed, opts, label=fingerprint_label(target))


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


def load_model(path: Path, kind: str, args: HFArgs, opts: LoadOptions, label: str) -> HFBackend:
    """Load a causal or seq2seq checkpoint onto its device and wrap it in an ``HFBackend``."""
    transformers = import_transformers()
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


def _load_classifier(path: Path, args: HFArgs, opts: LoadOptions, label: str) -> ModelBackend:
    from harness.models.hf_classifier import load_classifier

    return load_classifier(path, args, opts, label)


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
    """The adapter's base: a built-in name, or a path (relative to the adapter directory, else as given)."""
    from harness.registry import model_factories

    factories = model_factories()
    if base in factories and base != "hf":
        raw = {
            k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in args.model_dump(exclude_defaults=True).items()
        }
        return factories[base].load()(base, base, raw, opts)
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
    "classifier": _load_classifier,
    "lora": load_lora,
}


def first_line(exc: BaseException) -> str:
    """An exception's first line, or its type name when it has no message."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def eos_ids(model: Any, tokenizer: Any) -> list[int]:
    """Every token id that ends generation: the generation config's EOS ids and the tokenizer's."""
    configured = model.generation_config.eos_token_id
    ids = configured if isinstance(configured, list) else [configured]
    ids = [*ids, tokenizer.eos_token_id]
    return sorted({int(i) for i in ids if i is not None})


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

    kind = "local"

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
        from harness.models.constrained import JsonSchemaGrammars

        self.model = model
        self.tokenizer = tokenizer
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
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        if arch == "causal":
            tokenizer.padding_side = "left"
        self.caps = ModelCaps(
            chat_template=bool(tokenizer.chat_template),
            native_tools=template_takes_tools(tokenizer),
            constrained_decoding=True,
        )
        self.grammars = JsonSchemaGrammars(tokenizer, model.config.vocab_size, self.eos_token_ids)

    async def generate(self, requests: Sequence[Request]) -> list[Response]:
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
            for index, response in zip(indices, generate_batch(self, batch), strict=True):
                responses[index] = response
        latency_ms = (time.perf_counter() - start) * 1000
        return [_with_latency(r, latency_ms) for r in responses if r is not None]

    def _effective(self, request: Request) -> Request:
        """The request with the ``max_tokens`` override applied."""
        if self._max_tokens is None or self._max_tokens == request.max_tokens:
            return request
        from dataclasses import replace

        return replace(request, max_tokens=self._max_tokens)

    def seed_for(self, requests: Sequence[Request]) -> int:
        """The torch seed of one generate call: the first request's seed, else the run's."""
        seed = requests[0].seed if requests else None
        return self._seed if seed is None else seed

    def close(self) -> None:
        """Drop the model and free accelerator memory."""
        import torch

        self.model = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _with_latency(response: Response, latency_ms: float) -> Response:
    from dataclasses import replace

    return replace(response, latency_ms=latency_ms)


def template_takes_tools(tokenizer: Any) -> bool:
    """Whether the chat template renders a ``tools`` list (Qwen, Llama 3.1, Hermes... templates do)."""
    template = tokenizer.chat_template
    if isinstance(template, dict):  # named templates: {"default": ..., "tool_use": ...}
        return "tool_use" in template or any("tools" in str(t) for t in template.values())
    return bool(template) and "tools" in str(template)


def render_prompt(tokenizer: Any, request: Request) -> str:
    """The prompt text: the chat template with a generation prompt when the tokenizer has one.

    ``Request.tools`` (native mode) go to the template as OpenAI-style function entries; the model's
    calls then come back as text in the template's own syntax, which the task reads.
    """
    if not tokenizer.chat_template:
        return request.prompt_text
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    kwargs: dict[str, Any] = {}
    if request.tools:
        kwargs["tools"] = [{"type": "function", "function": tool} for tool in request.tools]
    return str(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False, **kwargs))


def generate_batch(backend: HFBackend, requests: list[Request]) -> list[Response]:
    """Render every prompt, then generate for those that rendered; a template failure is that sample's error.

    Plain greedy batches go to the continuous engine; the rest to padded ``generate`` calls of at most
    ``batch_rows`` rows.
    """
    prompts: list[str | None] = []
    responses: list[Response | None] = []
    for request in requests:
        try:
            prompts.append(render_prompt(backend.tokenizer, request))
            responses.append(None)
        except Exception as exc:  # jinja raises its own errors, e.g. "system role not supported"
            prompts.append(None)
            responses.append(Response(error=f"chat template failed: {first_line(exc)}"))
    ready = [i for i, prompt in enumerate(prompts) if prompt is not None]
    outputs: list[Response] = []
    if ready and serves(backend, [requests[i] for i in ready]):
        outputs = generate_continuous(backend, [requests[i] for i in ready], [str(prompts[i]) for i in ready])
    else:
        for at in range(0, len(ready), backend.batch_rows):
            rows = ready[at : at + backend.batch_rows]
            outputs += generate_rows(backend, [requests[i] for i in rows], [str(prompts[i]) for i in rows])
    for index, response in zip(ready, outputs, strict=True):
        responses[index] = response
    return [r for r in responses if r is not None]


def decoding_kwargs(backend: HFBackend, temperature: float, max_new_tokens: int) -> dict[str, Any]:
    """generate() arguments: greedy unless sampling is asked for, and none of the checkpoint's own tweaks."""
    return {
        "max_new_tokens": max_new_tokens,
        "do_sample": temperature > 0,
        "temperature": temperature if temperature > 0 else 1.0,
        "top_k": 0,
        "top_p": 1.0,
        "num_beams": 1,
        "repetition_penalty": 1.0,
        "no_repeat_ngram_size": 0,
        "eos_token_id": backend.eos_token_ids,
        "pad_token_id": backend.tokenizer.pad_token_id,
    }


def generate_rows(backend: HFBackend, requests: list[Request], prompts: list[str]) -> list[Response]:
    """One generate call for the batch: left-padded prompts, per-row grammars, stops and budgets."""
    import torch
    from transformers import LogitsProcessorList, StoppingCriteriaList

    from harness.models.constrained import BatchGrammarProcessor, RowStops

    tokenizer, model = backend.tokenizer, backend.model
    chat = bool(tokenizer.chat_template)  # the template already holds any BOS token
    encoded = tokenizer(prompts, padding=True, return_tensors="pt", add_special_tokens=not chat).to(model.device)
    # Causal outputs repeat the prompt; seq2seq outputs start with the decoder start token.
    start = encoded["input_ids"].shape[1] if backend.arch == "causal" else 1
    rows = [backend.grammars.for_request(r) for r in requests]
    budgets = [r.max_tokens for r in requests]
    stops = RowStops(tokenizer, [r.stop for r in requests], budgets, start, backend.eos_token_ids)
    processors = [BatchGrammarProcessor([row.grammar for row in rows])] if any(row.grammar for row in rows) else []
    torch.manual_seed(backend.seed_for(requests))
    scored = any(r.logprobs for r in requests)  # per-step scores cost memory: only when asked for
    try:
        with torch.inference_mode():
            output = model.generate(
                **encoded,
                logits_processor=LogitsProcessorList(processors),
                stopping_criteria=StoppingCriteriaList([stops]),
                output_scores=scored,
                return_dict_in_generate=True,
                **decoding_kwargs(backend, requests[0].temperature, max(budgets)),
            )
            # Log-probabilities of the chosen tokens under the distribution decoding used (grammar applied).
            logprobs = (
                model.compute_transition_scores(output.sequences, output.scores, normalize_logits=True).tolist()
                if scored
                else None
            )
    except RuntimeError as exc:  # e.g. out of memory: the batch's samples fail, the run goes on
        return [Response(error=f"generation failed: {first_line(exc)}") for _ in requests]
    tokens_in = encoded["attention_mask"].sum(dim=1).tolist()
    generated = output.sequences[:, start:].tolist()
    return [
        finish_row(
            backend,
            generated[i],
            stops.stopped_at[i],
            requests[i],
            int(tokens_in[i]),
            rows[i].meta,
            logprobs[i] if logprobs is not None and requests[i].logprobs else None,
        )
        for i in range(len(requests))
    ]


def finish_row(
    backend: HFBackend,
    tokens: list[int],
    stopped_at: int | None,
    request: Request,
    tokens_in: int,
    meta: dict,
    logprobs: list[float] | None = None,
) -> Response:
    """Cut one row at EOS, its stop or its budget, decode it and truncate at the first stop string.

    With ``logprobs`` (``Request.logprobs``), ``meta["confidence"]`` is the probability of the whole
    answer: exp of the summed log-probabilities of its tokens (EOS included).
    """
    limit = min(len(tokens), request.max_tokens, len(tokens) if stopped_at is None else stopped_at)
    length = next((i + 1 for i, t in enumerate(tokens[:limit]) if t in backend.eos_token_ids), limit)
    text = backend.tokenizer.decode(tokens[:length], skip_special_tokens=True)
    meta = dict(meta)
    if logprobs is not None:
        meta["confidence"] = math.exp(sum(logprobs[:length]))
    return Response(text=truncate_at_stop(text, request.stop), tokens_in=tokens_in, tokens_out=length, meta=meta)


def truncate_at_stop(text: str, stops: Sequence[str]) -> str:
    """``text`` up to the earliest occurrence of any stop string."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=len(text))
    return text[:cut]
