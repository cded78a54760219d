"""The on-disk response cache: successful responses keyed on (model fingerprint, request hash)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from harness.types import Request, Response, ToolCall, content_hash


class ResponseCache:
    """Successful responses on disk, one JSON file per (fingerprint, request hash); safe across processes.

    A file being written by another process reads as a miss (it does not parse), so writes need no lock.
    """

    def __init__(self, root: str | Path, fingerprint: dict[str, Any]):
        self.dir = Path(root) / content_hash(fingerprint, 24)
        self.dir.mkdir(parents=True, exist_ok=True)
        about = self.dir / "fingerprint.json"
        if not about.exists():
            atomic_write(about, json.dumps(fingerprint, indent=1, sort_keys=True, default=str))
        # One listing up front spares a failed open per miss; what other processes add later is seen by the next run.
        self._subdirs = {sub.name for sub in os.scandir(self.dir) if sub.is_dir()}
        self._known = {p.stem for sub in self._subdirs for p in (self.dir / sub).glob("*.json")}

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, request: Request, key: str | None = None) -> Response | None:
        """The cached response, marked ``meta.cached``, or None."""
        key = key or request.hash
        if key not in self._known:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return from_record(data)

    def put(self, request: Request, response: Response, key: str | None = None) -> None:
        """Store a successful response (errors are never cached)."""
        if response.error is not None:
            return
        key = key or request.hash
        if key[:2] not in self._subdirs:
            (self.dir / key[:2]).mkdir(exist_ok=True)
            self._subdirs.add(key[:2])
        write_new(self._path(key), json.dumps(to_record(response), ensure_ascii=False, default=str).encode())
        self._known.add(key)


def to_record(response: Response) -> dict[str, Any]:
    """A response as the cache stores it (``labels`` only when the model chose labels)."""
    record: dict[str, Any] = {
        "text": response.text,
        "tool_calls": None
        if response.tool_calls is None
        else [{"name": c.name, "arguments": c.arguments} for c in response.tool_calls],
        "tokens_in": response.tokens_in,
        "tokens_out": response.tokens_out,
        "latency_ms": response.latency_ms,
        "cost_usd": response.cost_usd,
        "meta": {k: v for k, v in response.meta.items() if k not in ("cached", "attempts")},
    }
    if response.labels is not None:
        record["labels"] = list(response.labels)
    return record


def from_record(data: dict[str, Any]) -> Response:
    """A stored record as the Response it was, marked ``meta.cached``."""
    calls = data.get("tool_calls")
    labels = data.get("labels")
    return Response(
        text=data.get("text", ""),
        tool_calls=None if calls is None else tuple(ToolCall(c["name"], c["arguments"]) for c in calls),
        tokens_in=data.get("tokens_in"),
        tokens_out=data.get("tokens_out"),
        latency_ms=data.get("latency_ms"),
        cost_usd=data.get("cost_usd"),
        meta={**data.get("meta", {}), "cached": True},
        labels=None if labels is None else tuple(str(label) for label in labels),
    )


def write_new(path: Path, data: bytes) -> None:
    """Path.write_bytes without the buffered file object: this runs once per response, on the loop."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to a temporary sibling and rename it into place, so no reader sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{random.getrandbits(32):08x}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def default_cache_dir(db: str | Path) -> Path:
    """``$HARNESS_CACHE_DIR/responses`` if set, else ``response-cache/`` next to the results DB."""
    env = os.environ.get("HARNESS_CACHE_DIR")
    return Path(env) / "responses" if env else Path(db).resolve().parent / "response-cache"
