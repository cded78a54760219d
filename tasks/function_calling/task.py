"""function_calling: pick the right tools and arguments for a request, BFCL style, checked by AST.

Records are ``{id, split, tags, messages, tools, target}``: ``messages`` the conversation (a user turn,
optionally a system turn), ``tools`` JSON-Schema function documents, ``target`` the expected calls as
``[{name: {param: [acceptable values]}}]`` (``[]``: no offered tool fits). ``--data`` also takes BFCL
question files, with ``--answers`` for the possible-answer file, ``bfcl:CATEGORY`` for BFCL v4 from the
bfcl-eval package (``bfcl.py``), and ToolBench query files, scored by API selection (``toolbench.py``).

Prompt mode lists the tools in the user turn and asks for a JSON list of calls; ``--constrained``
(local models) decodes under a grammar that allows exactly that list over the offered tools. Native
mode passes the tools to the backend (API tool calling, or a chat template that knows tools).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.data import record_split, record_tags, require
from harness.errors import BadInput
from harness.metrics.ast_check import Decoded, canonical_calls, check_calls, decode_calls, normalize_string
from harness.metrics.structured import schema_problem, validation_error
from harness.task import RenderOptions, Task
from harness.tasks.function_calling.bfcl import (
    CATEGORIES,
    bfcl_record,
    is_bfcl_record,
    is_package_spec,
    package_files,
    read_answers,
)
from harness.tasks.function_calling.toolbench import (
    SPLIT as TOOLBENCH_SPLIT,
)
from harness.tasks.function_calling.toolbench import (
    call_problem,
    group_of,
    is_toolbench,
    is_toolbench_record,
    relevant_calls,
    toolbench_examples,
)
from harness.types import Example, Message, MetricValue, Request, Response, SampleResult, Scored, content_hash

METRICS = ("ast_accuracy", "name_accuracy", "parse_rate")
# ToolBench queries have no reference arguments: API selection against "relevant APIs", and argument validity.
TOOLBENCH_METRICS = ("api_recall", "api_precision", "api_f1", "api_exact", "args_valid", "parse_rate")
# Four calls with a few arguments each fit; a model that loops is cut here.
MAX_TOKENS = 320
# Constrained decoding allows at most this many calls (the built-in data asks for up to four).
MAX_CALLS = 6
ROLES = ("system", "user", "assistant")

SYSTEM_PROMPT = (
    "You call functions for the user. Answer with a JSON list of function calls and nothing else: "
    '[{"name": "function_name", "arguments": {"parameter": value}}], one entry per call, in the order '
    "the request gives them. Use only the functions and parameters listed, with values of the declared "
    "types; leave out optional parameters the request does not state. If none of the functions fits "
    "the request, answer with []."
)
USER_PROMPT = "Functions:\n{tools}\n\nRequest: {request}"


def category(example: Example) -> str | None:
    """The example's category tag (simple, multiple, parallel, parallel_multiple, irrelevance), if any."""
    return next((tag for tag in example.tags if tag in CATEGORIES), None)


def infer_category(tools: Sequence[dict[str, Any]], target: Sequence[dict[str, Any]]) -> str:
    """The category a record without one belongs to, from its offered tools and expected calls."""
    if not target:
        return "irrelevance"
    if len(target) == 1:
        return "simple" if len(tools) == 1 else "multiple"
    return "parallel" if len({next(iter(call)) for call in target}) == 1 else "parallel_multiple"


def calls_schema(tools: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """JSON Schema of the answer: a list of ``{"name": <one tool>, "arguments": <its parameters>}``."""
    variants = []
    for tool in tools:
        parameters = dict(tool.get("parameters") or {"type": "object", "properties": {}})
        parameters.setdefault("additionalProperties", False)
        variants.append(
            {
                "type": "object",
                "properties": {"name": {"const": tool["name"]}, "arguments": parameters},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    return {"type": "array", "items": {"anyOf": variants}, "maxItems": MAX_CALLS}


def in_schema_order(value: Any, schema: dict[str, Any]) -> Any:
    """Object keys in the order of the schema's ``properties`` (others after them), recursively."""
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        keys = [k for k in properties if k in value] + [k for k in value if k not in properties]
        return {k: in_schema_order(value[k], properties.get(k) or {}) for k in keys}
    if isinstance(value, list):
        items = schema.get("items")
        return [in_schema_order(v, items if isinstance(items, dict) else {}) for v in value]
    return value


def _check_tools(tools: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
        raise BadInput(f"{where}: field 'tools' must be a list of function objects {{name, description, parameters}}")
    checked = []
    for index, tool in enumerate(tools):
        tool = tool["function"] if isinstance(tool.get("function"), dict) else tool
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise BadInput(f"{where}: tools[{index}] needs a 'name'")
        parameters = tool.get("parameters", {"type": "object", "properties": {}})
        problem = schema_problem(parameters)  # cached by content: data files repeat the same tools
        if problem:
            raise BadInput(f"{where}: tools[{index}] ({tool['name']}) parameters: {problem}")
        checked.append(
            {"name": tool["name"], "description": str(tool.get("description", "")), "parameters": parameters}
        )
    names = [t["name"] for t in checked]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise BadInput(f"{where}: tool '{duplicate}' is offered twice")
    return checked


def _check_target(target: Any, tools: Sequence[dict[str, Any]], where: str, bfcl: bool = False) -> list[dict[str, Any]]:
    """The expected calls, checked; ``bfcl``: BFCL's own answers, kept as they are even where a parameter lists
    no acceptable value (a few live answers do: BFCL fails every answer there, and so does this checker)."""
    if not isinstance(target, list):
        raise BadInput(f"{where}: field 'target' must be a list of {{name: {{param: [values]}}}} ([] for no call)")
    names = {t["name"] for t in tools}
    for index, call in enumerate(target):
        if not isinstance(call, dict) or len(call) != 1:
            raise BadInput(f"{where}: target[{index}] must be one {{name: {{param: [acceptable values]}}}} object")
        name, arguments = next(iter(call.items()))
        if name not in names:
            raise BadInput(f"{where}: target[{index}] calls '{name}', which is not among the record's tools")
        if not isinstance(arguments, dict) or not all(isinstance(v, list) and (v or bfcl) for v in arguments.values()):
            raise BadInput(f"{where}: target[{index}] ({name}): each parameter needs a non-empty list of values")
    return target


def _check_messages(messages: Any, where: str) -> tuple[dict[str, str], ...]:
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    if not isinstance(messages, list) or not messages:
        raise BadInput(f"{where}: field 'messages' must be a non-empty list of {{role, content}}")
    out = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            raise BadInput(f"{where}: messages[{index}] needs a string 'content'")
        role = message.get("role", "user")
        if role not in ROLES:
            raise BadInput(f"{where}: messages[{index}] has role '{role}': use one of {', '.join(ROLES)}")
        out.append({"role": role, "content": message["content"]})
    if out[-1]["role"] != "user":
        raise BadInput(f"{where}: the last message must be the user's request")
    return tuple(out)


class FunctionCallingTask(Task):
    """Request + offered tools → function calls; AST accuracy (BFCL's checker) is the headline."""

    name = "function_calling"
    version = "1.0"
    splits = ("train", "test", "ood")
    primary_metric = "ast_accuracy"
    description = "Call the right functions with the right arguments (BFCL-style AST check), or none."
    data_dir = Path(__file__).parent / "data"

    # ---- data -------------------------------------------------------------------------------------
    def from_record(self, record: dict[str, Any], where: str, default_split: str) -> Example:
        """A record of this task's format: ``messages``, ``tools``, ``target``."""
        messages = _check_messages(require(record, "messages", where), where)
        tools = _check_tools(require(record, "tools", where), where)
        split = record_split(record, where, default_split)
        tags = record_tags(record, where)
        bfcl = any(tag.startswith("bfcl:") for tag in tags)
        target = _check_target(require(record, "target", where), tools, where, bfcl=bfcl)
        if not any(tag in CATEGORIES for tag in tags):
            tags = [infer_category(tools, target), *tags]
        inputs = {"messages": messages, "tools": tools}
        example_id = (
            str(record["id"])
            if record.get("id") not in (None, "")
            else f"function_calling-{content_hash({'inputs': inputs, 'target': target})}"
        )
        return Example(example_id, split, inputs, target, tuple(dict.fromkeys(tags)))

    def load_data(self, path: str, answers: str | None = None) -> list[Example]:
        """Records of this task's format, BFCL question files (with ``--answers`` for their answers), a ToolBench
        query file, or ``bfcl:CATEGORY`` / ``bfcl:all`` read from the installed bfcl-eval package."""
        if is_package_spec(path):
            if answers:
                raise BadInput(f"--answers: --data {path} brings BFCL's own possible answers: leave out --answers")
            examples = []
            for questions, answer_file in package_files(path):
                examples.extend(self._read_file(str(questions), str(answer_file) if answer_file else None))
            return examples
        return self._read_file(path, answers)

    def _read_file(self, path: str, answers: str | None) -> list[Example]:
        from harness.data import read_records

        records = list(read_records(path))
        if records and is_toolbench_record(records[0][1]):
            if answers:
                raise BadInput("--answers: ToolBench query files hold their own 'relevant APIs': leave out --answers")
            return toolbench_examples(records, path)
        answer_map = read_answers(answers) if answers else None
        examples = []
        for where, record in records:
            if is_bfcl_record(record):
                record = bfcl_record(record, where, path, answer_map)
            elif answers:
                raise BadInput(f"{where}: --answers goes with BFCL question files ({{id, question, function}})")
            examples.append(self.from_record(record, where, default_split="test"))
        return examples

    # ---- rendering --------------------------------------------------------------------------------
    def check_options(self, opts: RenderOptions, examples: Sequence[Example] = ()) -> None:
        """Native mode needs a backend with native tools; shots and grammars are prompt-mode features."""
        if opts.mode != "native":
            return
        if not opts.caps.native_tools:
            raise BadInput(
                "--mode native: this model has no native tool calling (API models do; local models need a chat "
                "template that takes tools): use --mode prompt"
            )
        if opts.shots:
            raise BadInput("--shots: few-shot examples are written as prompt-mode answers: use --mode prompt")
        if opts.constrained:
            raise BadInput("--constrained: function_calling constrains the prompt-mode answer: use --mode prompt")

    def render(self, example: Example, opts: RenderOptions) -> Request:
        """Prompt mode: format rules, shots, then the tools and request; native mode: the messages and tools."""
        own = [Message(m["role"], m["content"]) for m in example.inputs["messages"]]
        if opts.mode == "native":
            return Request(
                messages=tuple(own), tools=tuple(example.inputs["tools"]), max_tokens=MAX_TOKENS, example_id=example.id
            )
        system = [m.content for m in own if m.role == "system"]
        messages = [Message("system", "\n\n".join([SYSTEM_PROMPT, *system]))]
        for shot in opts.shots:
            messages.append(Message("user", self.user_prompt(shot, opts)))
            messages.append(Message("assistant", self.target_text(shot)))
        messages.extend(m for m in own[:-1] if m.role != "system")
        messages.append(Message("user", self.user_prompt(example, opts)))
        return Request(
            messages=tuple(messages),
            max_tokens=MAX_TOKENS,
            response_schema=calls_schema(example.inputs["tools"]),
            constrained=opts.constrained,
            example_id=example.id,
        )

    def user_prompt(self, example: Example, opts: RenderOptions) -> str:
        """The offered tools as JSON, then the request."""
        tools = json.dumps(example.inputs["tools"], ensure_ascii=False, separators=(",", ":"))
        return USER_PROMPT.format(tools=tools, request=example.inputs["messages"][-1]["content"])

    def target_text(self, example: Example) -> str:
        """The expected calls as the JSON list prompt mode asks for (first acceptable value of each parameter).

        Arguments follow the schema's property order and the layout is the one constrained decoding
        produces (``", "`` and ``": "``), so a model trained on these answers can also be decoded under
        the grammar.
        """
        schemas = {t["name"]: t.get("parameters") or {} for t in example.inputs["tools"]}
        if is_toolbench(example):
            return json.dumps(relevant_calls(example), ensure_ascii=False, separators=(", ", ": "))
        calls = [
            {"name": c["name"], "arguments": in_schema_order(c["arguments"], schemas.get(c["name"], {}))}
            for c in canonical_calls(example.target, example.inputs["tools"])
        ]
        return json.dumps(calls, ensure_ascii=False, separators=(", ", ": "))

    # ---- scoring ----------------------------------------------------------------------------------
    def decode(self, example: Example, response: Response) -> Decoded:
        """The calls a response made: native tool calls when the backend returned them, else read from text."""
        if response.tool_calls is not None:
            invalid = response.meta.get("invalid_tool_calls")
            if invalid:
                return Decoded(error=f"tool call arguments are not a JSON object: {json.dumps(invalid)[:80]}")
            return Decoded(response.tool_calls, how="native")
        return decode_calls(response.text, example.inputs["tools"])

    def score(self, example: Example, response: Response) -> Scored:
        """ast_accuracy, name_accuracy and parse_rate, with the failure's ``error_type`` in details
        (ToolBench queries: the API-selection metrics of ``score_toolbench``)."""
        if is_toolbench(example):
            return self.score_toolbench(example, response)
        expected = example.target
        if response.error:
            return Scored(dict.fromkeys(METRICS, 0.0), details={"error": response.error})
        decoded = self.decode(example, response)
        details: dict[str, Any] = {"decoded": decoded.how}
        if not decoded.ok:
            details["parse_error"] = decoded.error
            if not expected and decoded.how == "prose":  # a reply in words is no call, which irrelevance wants
                return Scored({"ast_accuracy": 1.0, "name_accuracy": 1.0, "parse_rate": 0.0}, details=details)
            # An attempt at calls that does not decode (cut off, malformed) is wrong, irrelevance included.
            details["error_type"] = "no_call" if decoded.how == "prose" else "parse_error"
            return Scored(dict.fromkeys(METRICS, 0.0), details=details)
        verdict = check_calls(decoded.calls, expected, example.inputs["tools"])
        if not verdict.ok:
            details["error_type"] = verdict.error_type
            details["error_message"] = verdict.message
        wanted = Counter(next(iter(call)) for call in expected)
        names_ok = Counter(call.name for call in decoded.calls) == wanted
        scores = {"ast_accuracy": float(verdict.ok), "name_accuracy": float(names_ok), "parse_rate": 1.0}
        parsed = [{"name": c.name, "arguments": c.arguments} for c in decoded.calls]
        return Scored(scores, parsed=parsed, details=details)

    def score_toolbench(self, example: Example, response: Response) -> Scored:
        """A ToolBench query: the called APIs against ``relevant APIs`` (recall, precision, F1, exact set),
        ``args_valid`` (every call names an offered API with its required parameters of the declared types;
        left out when nothing was called) and parse_rate."""
        if response.error:
            return Scored(dict.fromkeys(TOOLBENCH_METRICS, 0.0), details={"error": response.error})
        decoded = self.decode(example, response)
        details: dict[str, Any] = {"decoded": decoded.how}
        if not decoded.ok:
            details["parse_error"] = decoded.error
            details["error_type"] = "no_call" if decoded.how == "prose" else "parse_error"
            return Scored(dict.fromkeys(TOOLBENCH_METRICS, 0.0), details=details)
        relevant = set(example.target)
        called = {call.name for call in decoded.calls}
        hits = len(called & relevant)
        recall = hits / len(relevant)
        precision = hits / len(called) if called else 0.0
        scores = {
            "api_recall": recall,
            "api_precision": precision,
            "api_f1": 2 * precision * recall / (precision + recall) if hits else 0.0,
            "api_exact": float(called == relevant),
            "parse_rate": 1.0,
        }
        if decoded.calls:
            problem = call_problem(decoded.calls, example.inputs["tools"])
            scores["args_valid"] = float(problem is None)
            if problem:
                details["args_problem"] = problem
        if not called:
            details["error_type"] = "no_call"
        elif called - {t["name"] for t in example.inputs["tools"]}:
            details["error_type"] = "wrong_name"
        apis = example.inputs["apis"]
        parsed = [{"name": c.name, "arguments": c.arguments, "api": apis.get(c.name)} for c in decoded.calls]
        return Scored(scores, parsed=parsed, details=details)

    def primary_metric_for(self, split: str) -> str:
        """api_f1 on ToolBench queries (their own split, ``toolbench``), ast_accuracy elsewhere."""
        return "api_f1" if split == TOOLBENCH_SPLIT else self.primary_metric

    def aggregate(self, split: str, results: Sequence[SampleResult], seed: int = 0) -> dict[str, MetricValue]:
        """The metrics over the split, then ast_accuracy per category as ``ast_accuracy:<category>`` and
        api_f1 per ToolBench group as ``api_f1:<group>``."""
        from harness.metrics.stats import mean_with_ci

        metrics = super().aggregate(split, results, seed)
        by_category: dict[str, list[float]] = {}
        by_group: dict[str, list[float]] = {}
        for result in results:
            value = result.scored.scores.get("ast_accuracy")
            name = category(result.example)
            if name is not None and value is not None and not math.isnan(value):
                by_category.setdefault(name, []).append(float(value))
            f1, group = result.scored.scores.get("api_f1"), group_of(result.example)
            if group is not None and f1 is not None and not math.isnan(f1):
                by_group.setdefault(group, []).append(float(f1))
        for name in CATEGORIES:
            if name in by_category:
                metrics[f"ast_accuracy:{name}"] = mean_with_ci(by_category[name], seed=seed)
        for group, values in sorted(by_group.items()):
            metrics[f"api_f1:{group}"] = mean_with_ci(values, seed=seed)
        return metrics

    # ---- attempts: canonical answers and the verifier (issue 19) ---------------------------------
    def canonical_answer(self, example: Example, response: Response) -> str | None:
        """The calls as one canonical string, equal for two answers the checker cannot tell apart: strings
        normalised as BFCL normalises them, numbers as floats, calls sorted (order-free, as the checker
        matches them); None when the response does not decode."""
        if response.error:
            return None
        decoded = self.decode(example, response)
        if not decoded.ok:
            return None
        calls = sorted(
            json.dumps([c.name, canonical_value(c.arguments)], sort_keys=True, ensure_ascii=False)
            for c in decoded.calls
        )
        return "[" + ", ".join(calls) + "]"

    def verify(self, example: Example, response: Response) -> bool | None:
        """Whether the answer could be right without looking at the target: it decodes, every call names an
        offered tool and its arguments validate against that tool's JSON Schema (ToolBench: at least one call,
        each with its required parameters of the declared types). None when the model returned an error."""
        if response.error:
            return None
        decoded = self.decode(example, response)
        if not decoded.ok:
            return False
        if is_toolbench(example):
            return bool(decoded.calls) and call_problem(decoded.calls, example.inputs["tools"]) is None
        tools = {t["name"]: t.get("parameters") or {} for t in example.inputs["tools"]}
        for call in decoded.calls:
            if call.name not in tools:
                return False
            schema = dict(tools[call.name])
            schema.setdefault("additionalProperties", False)
            if validation_error(schema, call.arguments) is not None:
                return False
        return True


def canonical_value(value: Any) -> Any:
    """A value as the checker compares it: strings BFCL-normalised, numbers as floats, tuples as lists."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return normalize_string(value)
    if isinstance(value, (list, tuple)):
        return [canonical_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical_value(v) for k, v in value.items()}
    return str(value)
