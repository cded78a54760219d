"""The typer app and what every command shares: the console, one-line errors, option validation, progress bars."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from harness.paths import DB_ENV, DEFAULT_DB

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.progress import Progress, ProgressColumn

    Config = TypeVar("Config", bound=BaseModel)

app = typer.Typer(
    name="harness",
    help="Benchmark small fine-tuned models against API baselines: run tasks, store results, compare.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()

EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT, EXIT_SAMPLE_ERRORS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

DbOption = Annotated[str, typer.Option("--db", help="DuckDB results file (env HARNESS_DB).", envvar=DB_ENV)]
__all__ = ["DEFAULT_DB", "DbOption", "app", "console", "fail", "out", "parse_model_args", "progress_bar", "validated"]


class Mode(str, Enum):
    prompt = "prompt"
    native = "native"


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print a one-line error and exit."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def validated(config_type: type[Config], /, **fields: Any) -> Config:
    """A pydantic config from command-line values; an invalid value is a one-line error naming the option."""
    from pydantic import ValidationError

    try:
        return config_type(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        fail(f"invalid option: {error['loc'][0]}: {error['msg']}")


@contextmanager
def progress_bar(columns: Sequence[ProgressColumn], interrupted: str) -> Iterator[Progress]:
    """A rich progress bar on stderr, stopped however the work ends; Ctrl-C prints ``interrupted`` (exit 130)."""
    from rich.progress import Progress

    bar = Progress(*columns, console=console)
    try:
        yield bar
    except KeyboardInterrupt:
        bar.stop()
        fail(interrupted, EXIT_INTERRUPTED)
    finally:
        bar.stop()


def parse_model_args(pairs: list[str], option: str = "--model-arg") -> dict[str, str]:
    """``KEY=VALUE`` strings into a dict, with a one-line error for anything else."""
    args: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            example = "dtype=bfloat16" if option == "--model-arg" else "apply_chat_template=true"
            fail(f"{option} '{pair}': expected KEY=VALUE, e.g. {option} {example}")
        args[key.strip()] = value
    return args
