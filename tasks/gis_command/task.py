"""gis_command: turn a natural-language web-map request into command calls (``ZoomIn(3); AddLayer('roads')``).

Records are ``{id?, split?, tags?, input, output}``: the built-in format and AWebGIS's ``{input, output}``
JSONL alike. The metrics need no knowledge of the command set, so ``--data`` may use any vocabulary;
only examples of the built-in data get the built-in command reference in their system prompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.data import record_tags as own_tags
from harness.data import require
from harness.errors import BadInput
from harness.metrics.calls import Call, match_calls, parse_calls
from harness.metrics.text import text_scores
from harness.task import RenderOptions, Task
from harness.types import Example, MetricValue, Response, Scored, canonical_json, content_hash, is_number

COMMAND_TAG = "cmd:"
# Two commands of about 20 tokens each, with room to spare; answers are single lines.
MAX_TOKENS = 96
STOP = ("\n",)
METRICS = ("exact_match", "levenshtein", "rouge1", "rougeL", "call_accuracy", "parse_rate")

# The built-in command language: (signature, what it does). The README documents the grammar.
COMMANDS: dict[str, tuple[str, str]] = {
    "ZoomIn": ("ZoomIn(levels)", "zoom in by a number of levels"),
    "ZoomOut": ("ZoomOut(levels)", "zoom out by a number of levels"),
    "ZoomTo": ("ZoomTo(level)", "set the zoom level"),
    "Move": ("Move(lat, lon)", "centre the map on a coordinate"),
    "MoveToExtent": ("MoveToExtent(south, west, north, east)", "fit the map to a bounding box"),
    "GoTo": ("GoTo('place')", "fly to a named place"),
    "AddMarker": ("AddMarker(lat, lon, 'label')", "put a labelled marker on a coordinate"),
    "AddLayer": ("AddLayer('layer')", "show a named layer"),
    "RemoveLayer": ("RemoveLayer('layer')", "hide a named layer"),
    "SetOpacity": ("SetOpacity('layer', percent)", "set a layer's opacity in percent"),
    "AddVector": ("AddVector('point'|'polyline'|'polygon', 'file')", "load a vector file"),
    "AddWMS": ("AddWMS('url', 'layer')", "add a layer from a WMS service"),
    "Draw": ("Draw('point'|'polyline'|'polygon'|'circle'|'rectangle')", "start drawing a shape"),
    "Cartography": (
        "Cartography('choropleth'|'heatmap'|'graduated'|'categorized', 'layer', 'attribute')",
        "style a layer by an attribute (attribute names in snake_case)",
    ),
    "Measure": ("Measure('distance'|'area', 'm'|'km'|'mi'|'m2'|'km2'|'ha')", "start measuring in a unit"),
    "Buffer": ("Buffer('layer', meters)", "buffer a layer by a distance in meters"),
    "FindRoute": ("FindRoute('from', 'to')", "find a route between two places"),
    "ClearMap": ("ClearMap()", "remove everything added to the map"),
}

SYSTEM_PROMPT = (
    "You translate requests for a web map into map commands. Answer with the commands only, on one line: "
    "each command is Name(arg, ...) with positional arguments, numbers as digits and strings in single "
    "quotes; join two commands with '; '."
)


def reference_prompt() -> str:
    """The system prompt with the built-in command reference."""
    lines = [f"- {signature}: {meaning}" for signature, meaning in COMMANDS.values()]
    return SYSTEM_PROMPT + "\nCommands:\n" + "\n".join(lines)


def command_tags(output: str) -> tuple[str, ...]:
    """``cmd:<Name>`` for each distinct command of a target, in order; none when it does not parse."""
    parsed = parse_calls(output)
    return tuple(dict.fromkeys(f"{COMMAND_TAG}{name}" for name in parsed.names))


def record_tags(record: dict[str, Any], output: str, where: str) -> tuple[str, ...]:
    """The record's own tags followed by the command tags of its output."""
    return tuple(dict.fromkeys([*own_tags(record, where), *command_tags(output)]))


def record_text(record: dict[str, Any], field: str, where: str) -> str:
    """A required, non-blank string field."""
    value = require(record, field, where, str)
    if not value.strip():
        raise BadInput(f"{where}: field '{field}' is empty")
    return str(value)


def normalised_value(value: Any) -> Any:
    """An argument value as the checker compares it: integral floats as ints, tuples as lists, recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple)):
        return [normalised_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): normalised_value(v) for k, v in value.items()}
    return value


def canonical_calls(calls: Iterable[Call]) -> str:
    """A call sequence as JSON in which equal calls (``calls_equal``) read the same: the vote's key."""
    return canonical_json(
        [{"name": c.name, "args": normalised_value(c.args), "kwargs": normalised_value(c.kwargs)} for c in calls]
    )


def signature_params(signature: str) -> list[tuple[str, ...] | None]:
    """A built-in signature's parameters: None for a number, the allowed strings (empty: any) for a string."""
    inner = signature[signature.index("(") + 1 : -1]
    params: list[tuple[str, ...] | None] = []
    for part in (p.strip() for p in inner.split(", ") if p.strip()):
        if not part.startswith("'"):
            params.append(None)
        else:
            choices = tuple(c.strip("'") for c in part.split("|"))
            params.append(choices if len(choices) > 1 else ())
    return params


def grammar_problem(call: Call) -> str | None:
    """Why a call is not a command of the built-in grammar (name, arity, argument kinds); None when it is."""
    if call.name not in COMMANDS:
        return f"unknown command {call.name}"
    params = signature_params(COMMANDS[call.name][0])
    if call.kwargs or len(call.args) != len(params):
        return f"{call.name} takes {len(params)} positional argument(s)"
    for value, param in zip(call.args, params, strict=True):
        if param is None and not is_number(value):
            return f"{call.name}: {value!r} is not a number"
        if param is not None and (not isinstance(value, str) or (param and value not in param)):
            return f"{call.name}: {value!r} is not one of {', '.join(param) or 'a string'}"
    return None


def command_breakdown(results: Iterable[Any], metric: str = "exact_match", seed: int = 0) -> dict[str, MetricValue]:
    """One metric per target command (from the ``cmd:`` tags), e.g. ``{"ZoomIn": MetricValue(...)}``.

    A two-command example counts for both of its commands. ``results`` are SampleResults.
    """
    from harness.metrics.stats import mean_with_ci

    values: dict[str, list[float]] = {}
    for result in results:
        score = result.scored.scores.get(metric)
        if score is None:
            continue
        for tag in result.example.tags:
            if tag.startswith(COMMAND_TAG):
                values.setdefault(tag[len(COMMAND_TAG) :], []).append(float(score))
    return {name: mean_with_ci(found, seed=seed) for name, found in sorted(values.items())}


class GisCommandTask(Task):
    """Natural language → web-map command calls; exact match is the headline."""

    name = "gis_command"
    version = "1.0"
    splits = ("train", "test", "ood")
    primary_metric = "exact_match"
    description = "Turn a natural-language web-map request into command calls such as ZoomIn(3)."
    data_dir = Path(__file__).parent / "data"

    def from_record(self, record: dict[str, Any], where: str, default_split: str) -> Example:
        """A built-in record: rendered with the built-in command reference."""
        return self._example(record, where, default_split, builtin=True)

    def load_data(self, path: str, answers: str | None = None) -> list[Example]:
        """The user's ``{input, output}`` records; ids are content hashes where missing, split defaults to test."""
        from harness.data import read_records

        if answers:
            raise BadInput("--answers: gis_command reads each answer from its record's 'output' field")

        examples = []
        seen: dict[str, int] = {}
        for where, record in read_records(path):
            example = self._example(record, where, "test", builtin=False)
            if record.get("id") in (None, ""):
                # Identical records get -2, -3...: ids stay stable when other lines move.
                seen[example.id] = seen.get(example.id, 0) + 1
                if seen[example.id] > 1:
                    example = replace(example, id=f"{example.id}-{seen[example.id]}")
            examples.append(example)
        return examples

    def _example(self, record: dict[str, Any], where: str, default_split: str, *, builtin: bool) -> Example:
        text = record_text(record, "input", where)
        output = record_text(record, "output", where)
        split = record_text(record, "split", where) if record.get("split") is not None else default_split
        inputs: dict[str, Any] = {"text": text, "builtin_commands": builtin}
        if record.get("id") not in (None, ""):
            example_id = str(record["id"])
        else:
            example_id = f"gis_command-{content_hash({'input': text, 'output': output})}"
        return Example(example_id, split, inputs, output, record_tags(record, output, where))

    def system_prompt(self, example: Example, opts: RenderOptions) -> str | None:
        """The output format, plus the command reference for the built-in vocabulary."""
        return reference_prompt() if example.inputs.get("builtin_commands") else SYSTEM_PROMPT

    def user_prompt(self, example: Example, opts: RenderOptions) -> str:
        """The request itself."""
        return str(example.inputs["text"])

    def target_text(self, example: Example) -> str:
        """The command string."""
        return str(example.target)

    def request_options(self, example: Example, opts: RenderOptions) -> dict[str, Any]:
        """One line of output with room for two commands."""
        return {"max_tokens": MAX_TOKENS, "stop": STOP}

    def score(self, example: Example, response: Response) -> Scored:
        """Text metrics on the trimmed strings, then parse_rate and call_accuracy on parsed calls.

        call_accuracy is 1 when the output's calls equal the target's, in order; it is left out when the
        target itself does not parse as calls (a vocabulary outside call syntax).
        """
        expected = parse_calls(example.target)
        if response.error:
            metrics = METRICS if expected.ok else tuple(m for m in METRICS if m != "call_accuracy")
            return Scored(dict.fromkeys(metrics, 0.0), details={"error": response.error})
        scores = text_scores(response.text, example.target)
        actual = parse_calls(response.text)
        scores["parse_rate"] = float(actual.ok)
        if expected.ok:
            scores["call_accuracy"] = float(actual.ok and match_calls(expected.calls, actual.calls))
        details = {} if actual.ok else {"parse_error": actual.error}
        parsed = [call.to_dict() for call in actual.calls] if actual.ok else None
        return Scored(scores, parsed=parsed, details=details)

    def canonical_answer(self, example: Example, response: Response) -> str | None:
        """The parsed command list, normalised as the scorer compares calls; None when it does not parse."""
        if response.error:
            return None
        parsed = parse_calls(response.text)
        return canonical_calls(parsed.calls) if parsed.ok else None

    def verify(self, example: Example, response: Response) -> bool | None:
        """The answer parses as calls; for the built-in vocabulary, as commands of its grammar (no target read)."""
        if response.error:
            return False
        parsed = parse_calls(response.text)
        if not parsed.ok:
            return False
        if not example.inputs.get("builtin_commands"):
            return True
        return all(grammar_problem(call) is None for call in parsed.calls)
