"""The providers' batch protocols on the fake server: OpenAI Files + Batches, Anthropic Message Batches.

OpenAI: ``POST /v1/files`` (multipart, purpose ``batch``) takes a JSONL file of ``{custom_id, method, url,
body}`` lines; ``POST /v1/batches`` starts a batch on it; ``GET /v1/batches/{id}`` reports ``status`` and
``request_counts``; once ended, ``output_file_id`` (lines ``{id, custom_id, response: {status_code, body}}``)
and ``error_file_id`` (lines with ``error: {code, message}``) are read from ``GET /v1/files/{id}/content``.
Anthropic: ``POST /v1/messages/batches`` takes ``{requests: [{custom_id, params}]}``; ``GET
/v1/messages/batches/{id}`` reports ``processing_status`` and ``request_counts``; once ended, ``results_url``
streams lines ``{custom_id, result: {type: succeeded|errored|expired|canceled, ...}}``.

A batch ends ``batch_delay_s`` after it was created (plus ``batch_delay_step_s`` per batch created before it).
Each item is answered by the server's Script like a synchronous request; ``batch_error_rate`` (a 500 on the
provider's side, worth retrying) and ``batch_expire_rate`` make items error or expire, drawn from the item's body
and how many times that body was submitted, so a resubmitted item draws again; ``batch_fail`` fails whole
batches with that reason (OpenAI ``failed``, Anthropic: every item cancelled). ``submitted`` counts every
submission of every custom_id, so tests can prove that nothing was submitted twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from typing import Any, Protocol

from harness.fake_server.script import Script
from harness.fake_server.wire import anthropic_error, anthropic_reply, last_user, openai_error, openai_reply


class FakeServer(Protocol):
    """What the batch endpoints use of the server that hosts them (server.py imports this module, not back)."""

    faults: Any  # server.Faults
    script: Script
    stats: Counter[str]
    seen_bodies: Counter[str]

    @property
    def url(self) -> str: ...


Reply = tuple[int, dict[str, str], Any]
EXPIRY_S = 24 * 3600


@dataclass
class FakeBatch:
    """One submitted batch: its items (custom_id, body) and what became of them once it ended."""

    id: str
    provider: str
    items: list[tuple[str, dict[str, Any]]]
    created: float
    input_file_id: str | None = None
    delay_s: float = 0.0
    # Once ended: custom_id → ("ok", reply) | ("errored", message) | ("expired", "") | ("canceled", reason)
    outcomes: dict[str, tuple[str, Any]] = field(default_factory=dict)
    failed: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None


class BatchService:
    """The batch endpoints of one FakeServer."""

    def __init__(self, server: FakeServer):
        self.server = server
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, FakeBatch] = {}
        self.submitted: Counter[str] = Counter()
        self._serial = 0

    def handles(self, path: str) -> bool:
        """Whether ``path`` is a batch endpoint."""
        return path.startswith(("/v1/files", "/v1/batches", "/v1/messages/batches"))

    def reply(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """Answer one batch-endpoint request."""
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "messages", "batches"]:
            return self._anthropic(method, parts[3:], raw)
        if parts[:2] == ["v1", "files"]:
            return self._files(method, parts[2:], headers, raw)
        return self._openai_batches(method, parts[2:], raw)

    def _next_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:06d}"

    # ---- OpenAI ------------------------------------------------------------------------------
    def _files(self, method: str, rest: list[str], headers: dict[str, str], raw: bytes) -> Reply:
        if method == "POST" and not rest:
            content = multipart_file(headers.get("content-type", ""), raw)
            if content is None:
                return 400, {}, openai_error(400, "expected multipart/form-data with a 'file' part")
            file_id = self._next_id("file-fake")
            self.files[file_id] = content
            return 200, {}, file_object(file_id, len(content), "batch")
        if method == "GET" and len(rest) == 2 and rest[1] == "content" and rest[0] in self.files:
            return 200, {"Content-Type": "application/octet-stream"}, self.files[rest[0]]
        if method == "GET" and len(rest) == 1 and rest[0] in self.files:
            return 200, {}, file_object(rest[0], len(self.files[rest[0]]), "batch")
        return 404, {}, openai_error(404, f"no file {'/'.join(rest)}")

    def _openai_batches(self, method: str, rest: list[str], raw: bytes) -> Reply:
        if method == "POST" and not rest:
            body = json.loads(raw or b"{}")
            content = self.files.get(str(body.get("input_file_id")))
            if content is None:
                return 400, {}, openai_error(400, f"no input file {body.get('input_file_id')}")
            lines = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
            items = [(str(line["custom_id"]), dict(line["body"])) for line in lines]
            batch = self._create("openai", "batch_fake", items)
            batch.input_file_id = body["input_file_id"]
            return 200, {}, self._openai_view(batch)
        if method == "GET" and not rest:
            listed = [self._openai_view(b) for b in self.batches.values() if b.provider == "openai"]
            return 200, {}, {"object": "list", "data": listed[-20:], "has_more": False}
        found = self.batches.get(rest[0]) if rest else None
        if found is None or found.provider != "openai":
            return 404, {}, openai_error(404, f"no batch {'/'.join(rest)}")
        return 200, {}, self._openai_view(found)

    def _openai_view(self, batch: FakeBatch) -> dict[str, Any]:
        ended = self._settle(batch)
        counts = Counter(kind for kind, _ in batch.outcomes.values())
        status = "in_progress"
        if batch.failed:
            status = "failed"
        elif ended:
            status = "expired" if counts["expired"] else "completed"
        if ended and not batch.failed and batch.output_file_id is None:
            self._write_openai_files(batch)
        view: dict[str, Any] = {
            "id": batch.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": None,
            "input_file_id": batch.input_file_id,
            "completion_window": "24h",
            "status": status,
            "output_file_id": batch.output_file_id,
            "error_file_id": batch.error_file_id,
            "created_at": int(batch.created),
            "expires_at": int(batch.created + EXPIRY_S),
            "request_counts": {
                "total": len(batch.items),
                "completed": counts["ok"],
                "failed": counts["errored"] + counts["expired"] if ended else 0,
            },
            "metadata": None,
        }
        if batch.failed:
            view["errors"] = {"object": "list", "data": [{"code": "failed", "message": batch.failed, "line": None}]}
        return view

    def _write_openai_files(self, batch: FakeBatch) -> None:
        output, errors = [], []
        for n, (custom_id, _) in enumerate(batch.items):
            kind, value = batch.outcomes[custom_id]
            line: dict[str, Any] = {"id": f"batch_req_{batch.id}_{n}", "custom_id": custom_id}
            if kind == "ok":
                output.append(line | {"response": {"status_code": 200, "request_id": f"req_{n}", "body": value}})
            elif kind == "errored":
                status = 400 if value.startswith("the fake server has no answer") else 500
                body = openai_error(status, value)
                errors.append(line | {"response": {"status_code": status, "request_id": f"req_{n}", "body": body}})
            else:
                message = "This request could not be executed before the completion window expired."
                errors.append(line | {"response": None, "error": {"code": "batch_expired", "message": message}})
        for lines, attr in ((output, "output_file_id"), (errors, "error_file_id")):
            if lines:
                file_id = self._next_id("file-fake")
                self.files[file_id] = "".join(json.dumps(x) + "\n" for x in lines).encode()
                setattr(batch, attr, file_id)

    # ---- Anthropic ---------------------------------------------------------------------------
    def _anthropic(self, method: str, rest: list[str], raw: bytes) -> Reply:
        if method == "POST" and not rest:
            return self._anthropic_create(raw)
        if method == "GET" and not rest:
            listed = [self._anthropic_view(b) for b in self.batches.values() if b.provider == "anthropic"]
            return 200, {}, {"data": listed[-20:], "has_more": False, "first_id": None, "last_id": None}
        batch = self.batches.get(rest[0]) if rest else None
        if batch is None or batch.provider != "anthropic":
            return 404, {}, anthropic_error(404, f"no message batch {'/'.join(rest)}")
        if len(rest) == 2 and rest[1] == "results":
            if not self._settle(batch):
                return 400, {}, anthropic_error(400, f"batch {batch.id} is still in progress")
            return 200, {"Content-Type": "application/binary"}, self._anthropic_results(batch)
        return 200, {}, self._anthropic_view(batch)

    def _anthropic_create(self, raw: bytes) -> Reply:
        body = json.loads(raw or b"{}")
        requests = body.get("requests") or []
        items = [(str(r["custom_id"]), dict(r["params"])) for r in requests]
        if not items or len({c for c, _ in items}) != len(items):
            return 400, {}, anthropic_error(400, "requests: give at least one, with unique custom_id values")
        return 200, {}, self._anthropic_view(self._create("anthropic", "msgbatch_fake", items))

    def _anthropic_view(self, batch: FakeBatch) -> dict[str, Any]:
        ended = self._settle(batch)
        counts = Counter(kind for kind, _ in batch.outcomes.values())
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else len(batch.items),
                "succeeded": counts["ok"],
                "errored": counts["errored"],
                "canceled": counts["canceled"],
                "expired": counts["expired"],
            },
            "created_at": iso(batch.created),
            "expires_at": iso(batch.created + EXPIRY_S),
            "ended_at": iso(batch.created + batch.delay_s) if ended else None,
            "cancel_initiated_at": iso(batch.created) if batch.failed else None,
            "archived_at": None,
            "results_url": f"{self.server.url}/v1/messages/batches/{batch.id}/results" if ended else None,
        }

    def _anthropic_results(self, batch: FakeBatch) -> bytes:
        lines = []
        for custom_id, _ in batch.items:
            kind, value = batch.outcomes[custom_id]
            if kind == "ok":
                result: dict[str, Any] = {"type": "succeeded", "message": value}
            elif kind == "errored":
                status = 400 if value.startswith("the fake server has no answer") else 500
                result = {"type": "errored", "error": anthropic_error(status, value)}
            else:
                result = {"type": kind}
            lines.append(json.dumps({"custom_id": custom_id, "result": result}) + "\n")
        return "".join(lines).encode()

    # ---- both --------------------------------------------------------------------------------
    def _create(self, provider: str, prefix: str, items: list[tuple[str, dict[str, Any]]]) -> FakeBatch:
        faults = self.server.faults
        delay = faults.batch_delay_s + faults.batch_delay_step_s * self.server.stats["batches"]
        batch = FakeBatch(self._next_id(prefix), provider, items, time.time(), delay_s=delay)
        self.batches[batch.id] = batch
        self.submitted.update(custom_id for custom_id, _ in items)
        self.server.stats["batches"] += 1
        self.server.stats["batch_requests"] += len(items)
        return batch

    def _settle(self, batch: FakeBatch) -> bool:
        """Whether the batch has ended; on the first look after its delay, answer every item."""
        if batch.outcomes:
            return True
        faults = self.server.faults
        if time.time() - batch.created < batch.delay_s:
            return False
        for custom_id, body in batch.items:
            batch.outcomes[custom_id] = self._outcome(batch, body)
        if faults.batch_fail:
            batch.failed = faults.batch_fail
            batch.outcomes = dict.fromkeys(batch.outcomes, ("canceled", faults.batch_fail))
        return True

    def _outcome(self, batch: FakeBatch, body: dict[str, Any]) -> tuple[str, Any]:
        faults, stats = self.server.faults, self.server.stats
        raw = json.dumps(body, sort_keys=True).encode()
        digest = hashlib.sha256(raw).hexdigest()
        self.server.seen_bodies[digest] += 1
        attempt = self.server.seen_bodies[digest]

        def draw(kind: str) -> float:
            seed = f"{faults.seed}:{digest}:{attempt}:batch-{kind}".encode()
            return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") / 2**64

        if draw("expire") < faults.batch_expire_rate:
            stats["batch_expired"] += 1
            return "expired", ""
        if draw("error") < faults.batch_error_rate:
            stats["batch_errored"] += 1
            return "errored", "request failed in the batch (fake)"
        answer = self.server.script.answer(last_user(body.get("messages", [])))
        if answer is None:
            stats["unmatched"] += 1
            return "errored", self.server.script.miss(last_user(body.get("messages", [])))
        stats["batch_ok"] += 1
        make = openai_reply if batch.provider == "openai" else anthropic_reply
        return "ok", make(body, answer, False, stats["batch_ok"])


def multipart_file(content_type: str, raw: bytes) -> bytes | None:
    """The ``file`` part of a multipart/form-data body, or None."""
    if not content_type.startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=policy.HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


def file_object(file_id: str, size: int, purpose: str) -> dict[str, Any]:
    """An OpenAI File object."""
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": int(time.time()),
        "filename": f"{file_id}.jsonl",
        "purpose": purpose,
        "status": "processed",
    }


def iso(seconds: float) -> str:
    """RFC 3339 time, as Anthropic writes it."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")
