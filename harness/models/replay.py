"""``replay:FILE``: outputs produced elsewhere, scored here as if a model had answered; ``oracle``: the task's targets.

A scripted, deterministic backend: it is also how tests and CI exercise the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.data import read_records
from harness.errors import BadInput
from harness.models.base import BackendArgs, LoadOptions, ModelBackend
from harness.types import Request, Response, ToolCall, content_hash


class ReplayArgs(BackendArgs):
    """Replay takes no options."""


class ReplayBackend(ModelBackend):
    """Answers each request with the stored output for its example id (and attempt, ``--samples N``)."""

    kind = "replay"

    def __init__(
        self,
        outputs: Mapping[str, Response | Sequence[Response]],
        name: str,
        batch_size: int = 8,
        repeat: bool = False,
    ):
        """``outputs``: an id's output, or its attempts' outputs in order. ``repeat``: every attempt gets the
        id's first output (the oracle), so any ``--samples`` is served."""
        self._outputs = {k: (v,) if isinstance(v, Response) else tuple(v) for k, v in outputs.items()}
        self._name = name
        self._repeat = repeat
        self.batch_size = batch_size

    @property
    def max_attempts(self) -> int | None:
        """The most attempts every id can be answered with (``--samples`` above it is refused); None: any."""
        if self._repeat:
            return None
        return min((len(v) for v in self._outputs.values()), default=1)

    @property
    def fingerprint(self) -> dict[str, Any]:
        """The replay file's name and a hash of its contents."""
        content = {k: _content(v[0]) if len(v) == 1 else [_content(r) for r in v] for k, v in self._outputs.items()}
        return {"spec": f"replay:{self._name}", "kind": "replay", "outputs": content_hash(content)}

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """The stored output for each request's example and attempt; a missing one is that sample's error."""
        return [self._answer(r) for r in requests]

    def _answer(self, request: Request) -> Response:
        found = self._outputs.get(request.example_id)
        if not found:
            return Response(error=f"replay: no output for id '{request.example_id}'")
        attempt = 0 if self._repeat else request.attempt
        if attempt >= len(found):
            return Response(error=f"replay: no output for id '{request.example_id}' attempt {attempt}")
        return found[attempt]


def _content(response: Response) -> Any:
    return response.text, response.tool_calls and [(c.name, c.arguments) for c in response.tool_calls]


def parse_replay_record(record: dict[str, Any], where: str) -> tuple[str, Response]:
    """One replay line: ``{id, output}`` or ``{id, tool_calls: [{name, arguments}]}``."""
    if "id" not in record:
        raise BadInput(f'{where}: missing field \'id\' (replay lines are {{"id": ..., "output": ...}})')
    if "output" not in record and record.get("tool_calls") is None:
        raise BadInput(f"{where}: missing field 'output' (or 'tool_calls', or an 'outputs' list)")
    return str(record["id"]), _response(record, where)


def _response(record: dict[str, Any], where: str) -> Response:
    """The Response of one output: ``{output}`` and/or ``{tool_calls}``."""
    calls = record.get("tool_calls")
    tool_calls = None
    if calls is not None:
        if not isinstance(calls, list) or not all(isinstance(c, dict) and "name" in c for c in calls):
            raise BadInput(f"{where}: field 'tool_calls' must be a list of {{name, arguments}} objects")
        tool_calls = tuple(ToolCall(str(c["name"]), dict(c.get("arguments") or {})) for c in calls)
    output = record.get("output")
    return Response(text="" if output is None else str(output), tool_calls=tool_calls)


def parse_replay_lines(records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, Response | list[Response]]:
    """A replay file's outputs by id: one per line, an ``outputs`` list per line, or repeated ids with ``attempt``.

    ``{"id": "a", "outputs": ["x", {"tool_calls": [...]}, ...]}`` gives id a's attempts in order; so do lines
    ``{"id": "a", "attempt": 0, "output": "x"}``, ``{"id": "a", "attempt": 1, ...}`` (every attempt from 0 on,
    once). A repeated id without ``attempt`` keeps its last line, as it always did.
    """
    single: dict[str, Response] = {}
    several: dict[str, dict[int, Response]] = {}
    where_of: dict[str, str] = {}
    for where, record in records:
        if "outputs" in record:
            example_id, outputs = _outputs_line(record, where)
            several[example_id] = dict(enumerate(outputs))
        elif record.get("attempt") is not None:
            example_id, response = parse_replay_record(record, where)
            attempt = record["attempt"]
            if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
                raise BadInput(f"{where}: field 'attempt' must be a whole number from 0 (the attempt's index)")
            if attempt in several.setdefault(example_id, {}):
                raise BadInput(f"{where}: id '{example_id}' attempt {attempt} appears twice: keep one of the lines")
            several[example_id][attempt] = response
        else:
            example_id, response = parse_replay_record(record, where)
            single[example_id] = response
        where_of[example_id] = where
    found: dict[str, Response | list[Response]] = dict(single)
    for example_id, by_attempt in several.items():
        if example_id in single:
            raise BadInput(f"{where_of[example_id]}: id '{example_id}' has lines with and without 'attempt'")
        if sorted(by_attempt) != list(range(len(by_attempt))):
            missing = min(set(range(len(by_attempt) + 1)) - set(by_attempt))
            raise BadInput(
                f"{where_of[example_id]}: id '{example_id}' lacks attempt {missing}: number attempts 0, 1, ..."
            )
        found[example_id] = [by_attempt[i] for i in range(len(by_attempt))]
    return found


def _outputs_line(record: dict[str, Any], where: str) -> tuple[str, list[Response]]:
    """``{id, outputs: [...]}``: each output a string or an ``{output, tool_calls}`` object."""
    if "id" not in record:
        raise BadInput(f"{where}: missing field 'id'")
    outputs = record["outputs"]
    if not isinstance(outputs, list) or not outputs:
        raise BadInput(f"{where}: field 'outputs' must be a non-empty list (one output per attempt)")
    responses = []
    for item in outputs:
        if isinstance(item, str):
            responses.append(Response(text=item))
        elif isinstance(item, dict) and ("output" in item or "tool_calls" in item):
            responses.append(_response(item, where))
        else:
            raise BadInput(f"{where}: each of 'outputs' must be a string or an {{output, tool_calls}} object")
    return str(record["id"]), responses


def load_replay(spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> ReplayBackend:
    """Factory for ``replay:FILE``."""
    from pathlib import Path

    ReplayArgs.parse(args, spec)
    if not target:
        raise BadInput("replay needs a file: --model replay:outputs.jsonl")
    if not Path(target).exists():  # read_records' own message would point at --data
        raise BadInput(f"--model {spec}: the replay file is missing: check the path after replay:")
    outputs = parse_replay_lines(read_records(target))
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
    return ReplayBackend(outputs, name=f"oracle:{opts.task}", batch_size=opts.batch_size, repeat=True)


load_oracle.bare_name = True  # type: ignore[attr-defined]  # --model oracle, not a prefix (registry's model list)
