"""How the generator's tools are written: a JSON-Schema function plus a sampler of requests for it.

Each domain module in ``domains/`` defines ``DOMAIN`` (a name) and ``TOOLS`` (a list of ``Tool``).
A tool's ``sample(rng)`` returns one ``Ask``: an imperative clause that asks for exactly one call of
the tool ("check the weather in Lyon in fahrenheit") and the acceptable argument values of that
call, in BFCL's possible-answer form:

- ``{param: [acceptable values]}``, one entry for every parameter the clause states, and an entry
  ``[..., ""]`` (``""`` among the values) for an optional parameter the call may omit;
- a parameter the clause does not mention and that has no sensible default is left out entirely
  (the model must then not pass it);
- an object value is written key by key in the same form: ``{"address": [{"city": ["Lyon"], "zip": ["", "69001"]}]}``;
- an array value is a list of values, each in this form when it is an object.

The generator composes clauses into whole requests (one call, several calls, calls of several
tools) and offers distractor tools, so a clause must read well after "Please ", "Can you ", and
", and then ". Start it in lower case, end it without punctuation, and say every required value
(in words the checker's string normalisation maps to the acceptable value, or list alternatives).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def join_words(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: how a clause lists several values."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class Ask:
    """One request for one call: the clause a user says and the acceptable argument values."""

    clause: str
    arguments: dict[str, list[Any]]


@dataclass(frozen=True)
class Tool:
    """A JSON-Schema function of one domain, with a sampler of asks for it."""

    name: str
    description: str
    parameters: dict[str, Any]
    sample: Callable[[random.Random], Ask]
    domain: str = ""

    def schema(self) -> dict[str, Any]:
        """The function document offered to models: ``{name, description, parameters}``."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}


def canonical_arguments(arguments: dict[str, list[Any]]) -> dict[str, Any]:
    """The one call an oracle makes: the first acceptable value of each parameter that may not be omitted."""
    from harness.metrics.ast_check import plain_arguments

    return plain_arguments(arguments)


def check_tools(tools: list[Tool], draws: int = 200, seed: int = 0) -> list[str]:
    """Problems with a domain's tools: bad schemas, and asks whose canonical call breaks the schema.

    Run ``python -m harness.tasks.function_calling.datagen.toolspec`` to check every domain.
    """
    import jsonschema

    problems = []
    names = [tool.name for tool in tools]
    for dup in {n for n in names if names.count(n) > 1}:
        problems.append(f"tool name {dup} used twice")
    for tool in tools:
        where = f"{tool.domain}.{tool.name}"
        try:
            jsonschema.Draft202012Validator.check_schema(tool.parameters)
        except jsonschema.SchemaError as exc:
            problems.append(f"{where}: bad parameters schema: {exc.message}")
            continue
        if tool.parameters.get("type") != "object" or "properties" not in tool.parameters:
            problems.append(f"{where}: parameters must be an object schema with properties")
            continue
        rng = random.Random(seed)
        clauses = set()
        for _ in range(draws):
            ask = tool.sample(rng)
            clauses.add(ask.clause)
            if not ask.clause or ask.clause[0].isupper() or ask.clause.rstrip()[-1] in ".?!":
                problems.append(f"{where}: clause must start lower case and end without punctuation: {ask.clause!r}")
                break
            unknown = set(ask.arguments) - set(tool.parameters["properties"])
            if unknown:
                problems.append(f"{where}: arguments outside the schema: {sorted(unknown)}")
                break
            missing = [p for p in tool.parameters.get("required", []) if p not in ask.arguments]
            if missing:
                problems.append(f"{where}: required parameters without values: {missing} in {ask.clause!r}")
                break
            if any(not isinstance(v, list) or not v for v in ask.arguments.values()):
                problems.append(f"{where}: every argument needs a non-empty list of acceptable values")
                break
            error = next(
                jsonschema.Draft202012Validator(tool.parameters).iter_errors(canonical_arguments(ask.arguments)), None
            )
            if error is not None:
                problems.append(f"{where}: canonical call breaks the schema ({error.message}) for {ask.clause!r}")
                break
        if len(clauses) < draws // 4:
            problems.append(f"{where}: only {len(clauses)} distinct clauses in {draws} draws: vary values and wording")
    return problems
