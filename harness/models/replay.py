"""``replay:FILE``: outputs produced elsewhere, scored here as if a model had answered; ``oracle``: the task's targets.

A scripted, deterministic backend: it is also how tests and CI exercise the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.data import read_records
from harness.errors import BadInput
from harness.models.base import BackendArgs, LoadOptions, ModelBackend
from harness.types import Request, Response, ToolCall, content_hash


class ReplayArgs(BackendArgs):
    """Replay takes no options."""


class ReplayBackend(ModelBackend):
    """Answers each request with the stored output for its example id."""

    kind = "replay"

    def __init__(self, outputs: Mapping[str, Response], name: str, batch_size: int = 8):
        self._outputs = dict(outputs)
        self._name = name
        self.batch_size = batch_size

    @property
    def fingerprint(self) -> dict[str, Any]:
        """The replay file's name and a hash of its contents."""
        content = {
            k: (r.text, r.tool_calls and [(c.name, c.arguments) for c in r.tool_calls])
            for k, r in self._outputs.items()
        }
        return {"spec": f"replay:{self._name}", "kind": "replay", "outputs": content_hash(content)}

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """The stored output for each request's example; a missing id is that sample's error."""
        return [
            self._outputs.get(r.example_id) or Response(error=f"replay: no output for id '{r.example_id}'")
            for r in requests
        ]


def parse_replay_record(record: dict[str, Any], where: str) -> tuple[str, Response]:
    """One replay line: ``{id, output}`` or ``{id, tool_calls: [{name, arguments}]}``."""
    if "id" not in record:
        raise BadInput(f'{where}: missing field \'id\' (replay lines are {{"id": ..., "output": ...}})')
    calls = record.get("tool_calls")
    if "output" not in record and calls is None:
        raise BadInput(f"{where}: missing field 'output' (or 'tool_calls')")
    tool_calls = None
    if calls is not None:
        if not isinstance(calls, list) or not all(isinstance(c, dict) and "name" in c for c in calls):
            raise BadInput(f"{where}: field 'tool_calls' must be a list of {{name, arguments}} objects")
        tool_calls = tuple(ToolCall(str(c["name"]), dict(c.get("arguments") or {})) for c in calls)
    output = record.get("output")
    return str(record["id"]), Response(text="" if output is None else str(output), tool_calls=tool_calls)


def load_replay(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> ReplayBackend:
    """Factory for ``replay:FILE``."""
    from pathlib import Path

    ReplayArgs.parse(args, spec)
    if not target:
        raise BadInput("replay needs a file: --model replay:outputs.jsonl")
    if not Path(target).exists():  # read_records' own message would point at --data
        raise BadInput(f"--model {spec}: the replay file is missing: check the path after replay:")
    outputs = dict(parse_replay_record(record, where) for where, record in read_records(target))
    return ReplayBackend(outputs, Path(target).name, batch_size=opts.batch_size)


def load_oracle(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> ReplayBackend:
    """Factory for ``oracle``: replays the running task's own target texts (scores 1.0)."""
    if args:
        raise BadInput("--model-arg: the oracle takes no options")
    if target not in ("", "oracle"):
        raise BadInput(f"--model {spec}: the oracle takes no target: use --model oracle")
    if opts.references is None:
        raise BadInput(f"--model {spec}: the oracle replays a task's targets: use it with harness run --task NAME")
    outputs = {example_id: Response(text=text) for example_id, text in opts.references().items()}
    return ReplayBackend(outputs, name=f"oracle:{opts.task}", batch_size=opts.batch_size)


load_oracle.bare_name = True  # type: ignore[attr-defined]  # --model oracle, not a prefix (registry's model list)
