"""Reading ToolBench / StableToolBench query files (``solvable_queries/test_instruction/G1_instruction.json``...).

A file is a JSON list of query records ``{query_id, query, api_list, "relevant APIs"}``; each ``api_list``
entry is ``{category_name, tool_name, api_name, api_description, required_parameters, optional_parameters,
method, template_response}`` with parameters ``{name, type, description, default}``, and ``relevant APIs``
lists the ``[tool_name, api_name]`` pairs a solution needs.

Tools are named as ToolBench's own inference names them (``toolbench/inference/Downstream_tasks/rapidapi.py``,
``api_json_to_openai_json``, with ``standardize`` and ``change_name`` from ``toolbench/utils.py``):
``change_name(standardize(api_name)) + "_for_" + standardize(tool_name)``, its last 64 characters; parameter
names go through ``change_name(standardize(name))`` too. The mapping back to ``[tool_name, api_name]`` is
kept in the example's inputs (``apis``). Parameter types become JSON Schema: STRING and ENUM strings, NUMBER
a number (ToolBench says integer, which would reject coordinates and prices), INTEGER an integer, BOOLEAN,
ARRAY and OBJECT as named, in any case; any other type a string. Defaults go into the description.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import BadInput
from harness.metrics.ast_check import type_problem
from harness.types import Example, ToolCall

SPLIT = "toolbench"
TAG = "toolbench"
# ToolBench's six test groups (StableToolBench keeps the same names).
GROUPS = ("G1_instruction", "G1_category", "G1_tool", "G2_instruction", "G2_category", "G3_instruction")
TYPES = {
    "string": "string",
    "str": "string",
    "enum": "string",
    "number": "number",
    "float": "number",
    "double": "number",
    "integer": "integer",
    "int": "integer",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "object": "object",
    "dict": "object",
    "json": "object",
}
# ToolBench truncates descriptions to this many characters.
DESCRIPTION_LIMIT = 256
_NOT_NAME = re.compile("[^\\u4e00-\\u9fa5^a-z^A-Z^0-9^_]")  # as ToolBench writes it: '^' itself is kept
_RESERVED = ("from", "class", "return", "false", "true", "id", "and")


def standardize(name: str) -> str:
    """ToolBench's ``standardize``: other characters to ``_``, runs of ``_`` merged, lower case, trimmed of ``_``,
    ``get_`` before a leading digit."""
    name = re.sub(r"(_)\1+", "_", _NOT_NAME.sub("_", name)).lower().strip("_")
    return f"get_{name}" if name[:1].isdigit() else name


def change_name(name: str) -> str:
    """ToolBench's ``change_name``: Python keywords and a few reserved words get an ``is_`` prefix."""
    return f"is_{name}" if name in _RESERVED else name


def function_name(tool_name: str, api_name: str) -> str:
    """The function name ToolBench's inference offers for one API of one tool."""
    return f"{change_name(standardize(api_name))}_for_{standardize(tool_name)}"[-64:]


def is_toolbench_record(record: dict[str, Any]) -> bool:
    """Whether a data record is a ToolBench query (it has ``api_list`` or ``query`` but no ``messages``)."""
    return ("api_list" in record or "query" in record) and "messages" not in record and "question" not in record


def is_toolbench(example: Example) -> bool:
    """Whether an example came from a ToolBench query file."""
    return isinstance(example.inputs.get("apis"), dict)


def parameter_schema(param: Any, where: str) -> tuple[str, dict[str, Any]]:
    """One ToolBench parameter as ``(property name, JSON Schema)``."""
    if not isinstance(param, dict) or not isinstance(param.get("name"), str) or not param["name"].strip():
        raise BadInput(f"{where}: each parameter needs a 'name' ({{name, type, description, default}})")
    kind = TYPES.get(str(param.get("type") or "string").strip().lower(), "string")
    description = str(param.get("description") or "")[:DESCRIPTION_LIMIT]
    default = param.get("default")
    if default not in (None, ""):
        description = f"{description} (default: {default})".strip()
    return change_name(standardize(param["name"])), {"type": kind, "description": description}


def api_tool(api: Any, where: str) -> tuple[dict[str, Any], list[str]]:
    """One ``api_list`` entry as a function document, with its ``[tool_name, api_name]``."""
    if not isinstance(api, dict) or not all(isinstance(api.get(k), str) for k in ("tool_name", "api_name")):
        raise BadInput(f"{where}: each api_list entry needs 'tool_name' and 'api_name'")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in ("required_parameters", "optional_parameters"):
        params = api.get(field) or []
        if not isinstance(params, list):
            raise BadInput(f"{where}: {api['api_name']}: '{field}' must be a list of {{name, type, description}}")
        for param in params:
            name, schema = parameter_schema(param, f"{where}: {api['api_name']}.{field}")
            properties.setdefault(name, schema)
            if field == "required_parameters" and name not in required:
                required.append(name)
    tool = standardize(api["tool_name"])
    description = f'This is the subfunction for tool "{tool}", you can use this tool.'
    if str(api.get("api_description") or "").strip():
        description += f' The description of this function is: "{api["api_description"].strip()[:DESCRIPTION_LIMIT]}"'
    parameters = {"type": "object", "properties": properties, "required": required}
    document = {"name": function_name(api["tool_name"], api["api_name"]), "description": description}
    return document | {"parameters": parameters}, [api["tool_name"], api["api_name"]]


def toolbench_example(record: dict[str, Any], where: str, group: str) -> Example:
    """One query record as an example: the query, its APIs as tools, the relevant APIs' function names."""
    query_id = record.get("query_id")
    label = f"{where} (query_id {query_id})" if query_id not in (None, "") else where
    for field in ("query", "api_list"):
        if field not in record:
            raise BadInput(f"{label}: a ToolBench query needs '{field}' ({{query_id, query, api_list, relevant APIs}})")
    if query_id in (None, ""):
        raise BadInput(f"{where}: a ToolBench query needs 'query_id'")
    if not isinstance(record["query"], str) or not record["query"].strip():
        raise BadInput(f"{label}: 'query' must be a non-empty string")
    if not isinstance(record["api_list"], list) or not record["api_list"]:
        raise BadInput(f"{label}: 'api_list' is empty: a query needs the APIs it may call")
    tools: list[dict[str, Any]] = []
    apis: dict[str, list[str]] = {}
    for api in record["api_list"]:
        document, pair = api_tool(api, label)
        if pair in apis.values():
            continue  # the same API listed twice
        document["name"] = _unique(document["name"], apis)
        apis[document["name"]] = pair
        tools.append(document)
    target = _relevant(record.get("relevant APIs"), apis, label)
    categories = [f"category:{a['category_name']}" for a in record["api_list"] if a.get("category_name")]
    tags = (TAG, f"{TAG}:{group}", *dict.fromkeys(categories))
    inputs = {"messages": ({"role": "user", "content": record["query"]},), "tools": tools, "apis": apis}
    return Example(str(query_id), SPLIT, inputs, target, tags)


def _unique(name: str, taken: dict[str, list[str]]) -> str:
    """``name``, or ``name_2``, ``name_3``... (still at most 64 characters) when an earlier API of the query has it.

    The 64-character cut keeps the end of ToolBench's name (the tool's), so two APIs of one long-named tool
    can end up with one name, which ToolBench's own inference then cannot tell apart.
    """
    number = 1
    unique = name
    while unique in taken:
        number += 1
        unique = f"{name}_{number}"[-64:]
    return unique


def _relevant(pairs: Any, apis: dict[str, list[str]], label: str) -> list[str]:
    """The relevant APIs as offered function names (sorted), each checked against the record's api_list."""
    if not isinstance(pairs, list) or not pairs:
        raise BadInput(f"{label}: 'relevant APIs' must be a non-empty list of [tool_name, api_name]")
    by_pair = {tuple(pair): name for name, pair in apis.items()}
    by_standard = {(standardize(t), standardize(a)): name for name, (t, a) in apis.items()}
    names = []
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise BadInput(f"{label}: each relevant API must be [tool_name, api_name], got {pair!r}")
        name = by_pair.get(tuple(pair)) or by_standard.get((standardize(pair[0]), standardize(pair[1])))
        if name is None:
            raise BadInput(f"{label}: relevant API {pair} is not among the query's api_list")
        names.append(name)
    return sorted(set(names))


def toolbench_examples(records: Sequence[tuple[str, dict[str, Any]]], path: str) -> list[Example]:
    """Every query of a ToolBench file; the group (``G1_instruction``...) is the file's name."""
    group = Path(path).stem
    examples = []
    for where, record in records:
        if not is_toolbench_record(record):
            raise BadInput(f"{where}: not a ToolBench query (needs query_id, query, api_list): one format a file")
        examples.append(toolbench_example(record, where, group))
    return examples


def group_of(example: Example) -> str | None:
    """The ToolBench group tag's name (``G1_instruction``), if any."""
    return next((t.removeprefix(f"{TAG}:") for t in example.tags if t.startswith(f"{TAG}:")), None)


def call_problem(calls: Sequence[ToolCall], tools: Sequence[dict[str, Any]]) -> str | None:
    """Why a call does not name an offered API with its required parameters of the declared types (None: valid)."""
    offered = {t["name"]: t.get("parameters") or {} for t in tools}
    for call in calls:
        if call.name not in offered:
            return f"{call.name} is not an offered API"
        parameters = offered[call.name]
        properties = parameters.get("properties") or {}
        missing = [p for p in parameters.get("required") or [] if p not in call.arguments]
        if missing:
            return f"{call.name}: missing required parameter {missing[0]}"
        for name, value in call.arguments.items():
            problem = type_problem(value, properties[name]) if name in properties else None
            if problem:
                return f"{call.name}.{name}: {problem}"
    return None


def relevant_calls(example: Example) -> list[dict[str, Any]]:
    """The relevant APIs as calls, with the documented defaults of their required parameters (ToolBench
    records give no reference arguments, so a required parameter without a default is left out)."""
    tools = {t["name"]: t for t in example.inputs["tools"]}
    calls = []
    for name in example.target:
        parameters = tools[name].get("parameters") or {}
        arguments = {}
        for param in parameters.get("required") or []:
            default = _documented_default(parameters["properties"][param])
            if default is not None:
                arguments[param] = default
        calls.append({"name": name, "arguments": arguments})
    return calls


def _documented_default(schema: dict[str, Any]) -> Any:
    """The ``(default: X)`` a ToolBench parameter's description ends with, as the declared type where it converts."""
    description = str(schema.get("description") or "")
    if not description.endswith(")") or "(default: " not in description:
        return None
    text = description[description.rindex("(default: ") + len("(default: ") : -1]
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower())
    return text if kind == "string" else None
