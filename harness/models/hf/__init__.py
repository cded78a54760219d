"""Local transformers checkpoints: causal LMs, seq2seq models, sequence classifiers and LoRA adapters.

- ``checkpoint``: what a directory holds (kind, config, hashes, training card) and loading each kind;
- ``backend``: ``HFArgs``, ``LocalBackend`` and ``HFBackend`` (batched generation);
- ``generation``: prompts, padded ``generate`` calls, decoding arguments, stops;
- ``continuous``: transformers' continuous-batching engine for plain greedy batches;
- ``constrained``: JSON-Schema grammars (xgrammar) and per-row stops; imports torch at the top, so only
  generation imports it, inside a function;
- ``classifier``: ``HFClassifierBackend``, label scores from a sequence-classification head.

Importing this package is cheap: torch, transformers, peft and xgrammar load when a model does.
"""

from harness.models.hf.backend import HFArgs, HFBackend, LocalBackend
from harness.models.hf.checkpoint import (
    TRAINING_CARD,
    detect_kind,
    fingerprint_label,
    import_transformers,
    load_checkpoint,
    load_model,
    open_checkpoint,
    read_config,
    resolve_device,
    tokenizer_hash,
    training_facts,
    weights_hash,
)
from harness.models.hf.generation import first_line, render_prompt, template_takes_tools

__all__ = [
    "TRAINING_CARD",
    "HFArgs",
    "HFBackend",
    "LocalBackend",
    "detect_kind",
    "fingerprint_label",
    "first_line",
    "import_transformers",
    "load_checkpoint",
    "load_model",
    "open_checkpoint",
    "read_config",
    "render_prompt",
    "resolve_device",
    "template_takes_tools",
    "tokenizer_hash",
    "training_facts",
    "weights_hash",
]
