"""The typer app and what every command shares: the console, one-line errors, option validation, progress bars."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from harness.paths import DB_ENV, DEFAULT_DB

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.progress import Progress, ProgressColumn

    Config = TypeVar("Config", bound=BaseModel)


class HarnessGroup(TyperGroup):
    """The command group: refuses an option given twice that takes one value (click would keep the last)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command and its arguments, once they are known to repeat no single-valued option."""
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not ctx.resilient_parsing:
            refuse_repeated_options(typer.Context(command, parent=ctx, info_name=name), rest)
        return name, command, rest


def refuse_repeated_options(ctx: Any, args: list[str]) -> None:
    """Fail with one line when ``args`` give a single-valued option of ``ctx.command`` more than once."""
    try:
        _, _, order = ctx.command.make_parser(ctx).parse_args(args=list(args))
    except Exception:  # a usage error: the command's own parsing reports it, as usual
        return
    single = [p for p in order if p.param_type_name == "option" and not p.multiple and not p.count]
    for param, count in Counter(single).items():
        if count > 1:
            spelled = "/".join(param.opts + param.secondary_opts)
            fail(f"{ctx.info_name}: {spelled} given {count} times: it takes one value, give it once")


app = typer.Typer(
    cls=HarnessGroup,
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
__all__ = [
    "DEFAULT_DB",
    "Column",
    "DbOption",
    "Format",
    "app",
    "ci_column",
    "col",
    "console",
    "fail",
    "out",
    "parse_model_args",
    "print_rows",
    "progress_bar",
    "validated",
]


def _print_version(value: bool) -> None:
    if value:
        from harness import __version__

        typer.echo(f"harness {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """Benchmark small fine-tuned models against API baselines: run tasks, store results, compare."""


class Mode(str, Enum):
    prompt = "prompt"
    native = "native"


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass(frozen=True)
class Column:
    """A table column: its header and how it shows a row (JSON and CSV keep the row's own values)."""

    header: str
    cell: Callable[[Mapping[str, Any]], str]
    right: bool = False


def col(key: str, header: str | None = None, fmt: str = "{}", right: bool = False) -> Column:
    """A column that shows one field of each row, formatted with ``fmt`` (empty where the field is None)."""
    return Column(header or key, lambda row: "" if row.get(key) is None else fmt.format(row[key]), right)


def ci_column(low: str = "ci_low", high: str = "ci_high") -> Column:
    """The ``95% CI`` column of rows that have the interval's two ends."""

    def cell(row: Mapping[str, Any]) -> str:
        return "" if row.get(low) is None else f"[{row[low]:.3f}, {row[high]:.3f}]"

    return Column("95% CI", cell, right=True)


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


def print_rows(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], fmt: Format = Format.table) -> None:
    """Rows on stdout: a table (plain uncut lines where a bordered one would not fit), or every field as JSON or CSV."""
    if fmt is Format.json:
        typer.echo(json.dumps([dict(row) for row in rows], indent=2, default=str))
    elif fmt is Format.csv and rows:  # no rows: no fields to name either, so an empty file
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
    elif fmt is Format.csv:
        return
    else:
        lines = [[c.header for c in columns]] + [[c.cell(row) for c in columns] for row in rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
        if out.is_terminal and sum(widths) + 3 * len(widths) + 1 <= out.width:
            _print_table(columns, lines)
        else:  # a pipe, a file, or a terminal too narrow: rich would cut cells to fit (`fun… op…`)
            _print_plain(columns, lines, widths)


def _print_table(columns: Sequence[Column], lines: list[list[str]]) -> None:
    from rich.table import Table

    table = Table()
    for column in columns:
        table.add_column(column.header, justify="right" if column.right else "left")
    for line in lines[1:]:
        table.add_row(*(escape(cell) for cell in line))
    out.print(table)


def _print_plain(columns: Sequence[Column], lines: list[list[str]], widths: list[int]) -> None:
    """Aligned columns without borders, every cell whole: for pipes, files and logs."""
    for line in lines:
        cells = [
            cell.rjust(width) if column.right else cell.ljust(width)
            for cell, width, column in zip(line, widths, columns, strict=True)
        ]
        typer.echo("  ".join(cells).rstrip())
