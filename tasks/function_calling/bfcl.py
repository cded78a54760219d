"""Reading the Berkeley Function Calling Leaderboard's files: question files plus possible-answer files.

A question line is ``{id, question, function}``: ``question`` a list of turns, each a list of
``{role, content}`` messages (BFCL v3; a bare string or one flat list of messages in older files), and
``function`` a list of function documents (one document alone in older files). Their parameter types
are Python or Java names (``dict``, ``float``, ``tuple``, ``any``, ``String``...), converted here to
JSON Schema. A possible-answer line is ``{id, ground_truth}`` with ``ground_truth`` a list of
``{name: {param: [acceptable values]}}``.

The category comes from the id prefix (``simple_12``, ``simple_python_3``, ``live_parallel_multiple_3-1-0``)
or else the file name (``BFCL_v4_parallel.json``). Irrelevance categories have no answers: the right answer
is no call. Multi-turn, relevance and agentic categories need more than an AST check and are refused by name.

``--data bfcl:CATEGORY`` (or ``bfcl:all``) reads the question and possible-answer files that the PyPI
package ``bfcl-eval`` ships (BFCL v4); only its data files are read, none of its code is imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from harness.errors import BadInput

CATEGORIES = ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance")
# Longest first, so "parallel_multiple" wins over "parallel" and "multiple".
_KNOWN = sorted(
    [
        *CATEGORIES,
        *(f"live_{c}" for c in CATEGORIES),
        "java",
        "javascript",
        "simple_python",
        "simple_java",
        "simple_javascript",
        "live_relevance",
        "multi_turn",
        "memory",
        "web_search",
        "format_sensitivity",
        "rest",
        "sql",
        "exec",
    ],
    key=len,
    reverse=True,
)
UNSUPPORTED = {
    "live_relevance": "live_relevance asks only whether any call was made",
    "multi_turn": "multi-turn categories need an executable environment",
    "rest": "REST categories need live execution",
    "exec": "executable categories need live execution",
    "sql": "SQL is checked against a database, not by AST",
    "memory": "agentic memory categories need BFCL's simulated memory backend",
    "web_search": "agentic web-search categories need live search",
    "format_sensitivity": "format sensitivity re-asks other categories under many prompt formats (not scored)",
}
# The single-turn categories of BFCL v4 that ``--data bfcl:NAME`` reads from the bfcl-eval package.
PACKAGE_CATEGORIES = (
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
)
# Categories the package ships that an AST check cannot score, refused by name (see UNSUPPORTED).
PACKAGE_REFUSED = (
    "live_relevance",
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
    "memory",
    "web_search",
    "format_sensitivity",
)
PACKAGE_PREFIX = "bfcl:"
PACKAGE_VERSION = "BFCL_v4"
# BFCL's Python and Java type names → JSON Schema types; None drops the type (any value).
TYPE_NAMES: dict[str, str | None] = {
    "dict": "object",
    "object": "object",
    "hashmap": "object",
    "map": "object",
    "float": "number",
    "double": "number",
    "number": "number",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "string": "string",
    "str": "string",
    "char": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "bigint": "integer",
    "queue": "array",
    "stack": "array",
    "hashtable": "object",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "arraylist": "array",
    "set": "array",
    "any": None,
}
# Keys of a BFCL parameter that are not JSON Schema (or not wanted in one).
_DROP = {"optional"}


def is_bfcl_record(record: dict[str, Any]) -> bool:
    """Whether a data record is a BFCL question line rather than this task's own format."""
    return "question" in record and "function" in record


def category_of(example_id: str, path: str | Path) -> str:
    """The BFCL category of a question, from its id prefix or else its file name."""
    for source in (example_id, Path(path).stem.removeprefix("BFCL_v3_").removeprefix(f"{PACKAGE_VERSION}_")):
        for name in _KNOWN:
            if source == name or source.startswith(name + "_") or source.startswith(name + "-"):
                return name
    raise BadInput(
        f"{path}: cannot tell the BFCL category of '{example_id}' from its id or the file name: "
        f"keep BFCL's ids (simple_0, parallel_multiple_3...) or file names (BFCL_v3_simple.json)"
    )


def base_category(category: str) -> str:
    """simple, multiple, parallel, parallel_multiple or irrelevance (``live_`` stripped; the languages are simple)."""
    name = category.removeprefix("live_")
    return "simple" if name in ("java", "javascript") or name.startswith("simple_") else name


def convert_schema(param: Any, where: str) -> dict[str, Any]:
    """One BFCL parameter (or parameters object) as JSON Schema, recursively."""
    if not isinstance(param, dict):
        raise BadInput(f"{where}: a parameter must be an object with a 'type', got {type(param).__name__}")
    out: dict[str, Any] = {k: v for k, v in param.items() if k not in _DROP}
    kind = param.get("type")
    if isinstance(kind, str):
        mapped = TYPE_NAMES.get(kind.lower())
        if mapped is None:
            out.pop("type")
        else:
            out["type"] = mapped
    if isinstance(param.get("properties"), dict):
        out["properties"] = {
            name: convert_schema(value, f"{where}.{name}") for name, value in param["properties"].items()
        }
    if isinstance(param.get("items"), dict):
        out["items"] = convert_schema(param["items"], f"{where}[]")
    return out


def convert_function(doc: Any, where: str) -> dict[str, Any]:
    """A BFCL function document as ``{name, description, parameters}`` with a JSON-Schema ``parameters``."""
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        raise BadInput(f"{where}: each entry of 'function' needs a 'name'")
    parameters = doc.get("parameters") or {"type": "dict", "properties": {}}
    converted = convert_schema(parameters, f"{where}: function {doc['name']} parameters")
    converted["type"] = "object"
    converted.setdefault("properties", {})
    return {"name": doc["name"], "description": str(doc.get("description", "")), "parameters": converted}


def question_messages(question: Any, where: str) -> list[dict[str, str]]:
    """The messages of a single-turn question: v3's ``[[{role, content}...]]``, a flat list, or a string."""
    if isinstance(question, str):
        return [{"role": "user", "content": question}]
    if isinstance(question, list) and question and all(isinstance(turn, list) for turn in question):
        if len(question) > 1:
            raise BadInput(f"{where}: multi-turn questions ({len(question)} turns) are not supported")
        question = question[0]
    if not isinstance(question, list) or not question:
        raise BadInput(f"{where}: field 'question' must be a list of {{role, content}} messages")
    messages = []
    for message in question:
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            raise BadInput(f"{where}: each message of 'question' needs a string 'content'")
        messages.append({"role": str(message.get("role", "user")), "content": message["content"]})
    return messages


def read_answers(path: str) -> dict[str, list[dict[str, Any]]]:
    """A possible-answer file as ``{id: ground_truth}`` (a lone dict becomes a one-call list)."""
    from harness.data import read_records

    answers: dict[str, list[dict[str, Any]]] = {}
    for where, record in read_records(path):
        if "id" not in record or "ground_truth" not in record:
            raise BadInput(f"{where}: an answers line needs 'id' and 'ground_truth' (BFCL's possible_answer format)")
        truth = record["ground_truth"]
        truth = [truth] if isinstance(truth, dict) else truth
        if not isinstance(truth, list):
            raise BadInput(f"{where}: field 'ground_truth' must be a list of {{name: {{param: [values]}}}}")
        answers[str(record["id"])] = truth
    return answers


def bfcl_record(
    record: dict[str, Any], where: str, path: str, answers: dict[str, list[dict[str, Any]]] | None
) -> dict[str, Any]:
    """One BFCL question as a record of this task's own format (``id, tags, messages, tools, target``)."""
    if record.get("id") in (None, ""):
        raise BadInput(f"{where}: missing field 'id'")
    example_id = str(record["id"])
    category = category_of(example_id, path)
    if category in UNSUPPORTED or category.startswith("multi_turn"):
        reason = UNSUPPORTED.get(category, UNSUPPORTED["multi_turn"])
        raise BadInput(f"{where}: BFCL category '{category}' is not supported ({reason})")
    base = base_category(category)
    functions = record["function"] if isinstance(record["function"], list) else [record["function"]]
    tools = [convert_function(doc, where) for doc in functions]
    if base == "irrelevance":
        target: list[dict[str, Any]] = []
    else:
        if answers is None:
            raise BadInput(
                f"{where}: '{example_id}' needs its answer: pass --answers with BFCL's possible_answer file "
                f"for this category"
            )
        if example_id not in answers:
            raise BadInput(f"{where}: no answer for id '{example_id}' in the --answers file")
        target = answers[example_id]
    tags = list(dict.fromkeys([base, f"bfcl:{category}", *(["live"] if category.startswith("live_") else [])]))
    return {
        "id": example_id,
        "split": "test",
        "tags": tags,
        "messages": question_messages(record["question"], where),
        "tools": tools,
        "target": target,
    }


def is_package_spec(data: str) -> bool:
    """Whether ``--data`` names categories of the installed bfcl-eval package (``bfcl:simple_python``)."""
    return data.startswith(PACKAGE_PREFIX)


def package_data_dir() -> Path:
    """The ``data`` folder of the installed bfcl-eval package (found without importing its code)."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise BadInput("--data bfcl:...: BFCL's data comes from the package bfcl-eval: pip install --no-deps bfcl-eval")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    if not (folder / "possible_answer").is_dir():
        raise BadInput(f"--data bfcl:...: the installed bfcl-eval has no data folder at {folder.name}: reinstall it")
    return folder


def package_categories(data: str) -> list[str]:
    """The categories ``bfcl:NAME[,NAME...]`` or ``bfcl:all`` asks for, checked against the known ones."""
    names = [n.strip() for n in data.removeprefix(PACKAGE_PREFIX).split(",") if n.strip()]
    if names == ["all"]:
        return list(PACKAGE_CATEGORIES)
    known = ", ".join(PACKAGE_CATEGORIES)
    if not names:
        raise BadInput(f"--data {data}: name a BFCL category after 'bfcl:': one of all, {known}")
    for name in names:
        if name in PACKAGE_REFUSED or name.startswith(("multi_turn", "memory", "web_search")):
            reason = next((why for key, why in UNSUPPORTED.items() if name.startswith(key)), UNSUPPORTED["multi_turn"])
            raise BadInput(f"--data {data}: BFCL category '{name}' is not supported ({reason}): use one of {known}")
        if name not in PACKAGE_CATEGORIES:
            raise BadInput(f"--data {data}: unknown BFCL category '{name}': use all or one of {known}")
    return list(dict.fromkeys(names))


def package_files(data: str) -> list[tuple[Path, Path | None]]:
    """(question file, possible-answer file or None for irrelevance) of each category ``data`` names."""
    folder = package_data_dir()
    files = []
    for name in package_categories(data):
        questions = folder / f"{PACKAGE_VERSION}_{name}.json"
        answers = folder / "possible_answer" / questions.name
        if not questions.is_file():
            raise BadInput(f"--data {data}: the installed bfcl-eval has no {questions.name}: upgrade it")
        files.append((questions, answers if answers.is_file() else None))
    return files
