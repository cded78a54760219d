"""``harness fake-server`` and ``harness leaderboard``: the commands that serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from harness.cli.app import DEFAULT_DB, DbOption, app, console, fail
from harness.errors import HarnessError, missing_extra


@app.command("fake-server")
def fake_server(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    task: Annotated[str | None, typer.Option(help="Answer with this task's targets (an oracle).")] = None,
    data: Annotated[Path | None, typer.Option(help="The task's examples from this file instead.")] = None,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks.")] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Answer from a replay file: {prompt, output} lines, or {id, output} + --task.")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Fixed answer (or the answer to prompts the script lacks).")] = None,
    latency_ms: Annotated[float, typer.Option(min=0, help="Latency per answer.")] = 0.0,
    jitter_ms: Annotated[float, typer.Option(min=0, help="Latency varies by ± this much.")] = 0.0,
    rate_429: Annotated[float, typer.Option(min=0, max=1, help="Share of requests answered 429.")] = 0.0,
    retry_after: Annotated[float, typer.Option(min=0, help="Retry-After seconds sent with a 429.")] = 1.0,
    rate_500: Annotated[float, typer.Option(min=0, max=1, help="Share of requests answered 500.")] = 0.0,
    rate_timeout: Annotated[float, typer.Option(min=0, max=1, help="Share of requests never answered.")] = 0.0,
    rate_malformed: Annotated[float, typer.Option(min=0, max=1, help="Share of tool calls with broken JSON.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of the fault draws.")] = 0,
    rate_limit: Annotated[
        float, typer.Option(min=0, help="Token bucket: requests per second (0: none); 429 with retry-after-ms over it.")
    ] = 0.0,
    batch_delay: Annotated[float, typer.Option(min=0, help="Seconds until a provider batch ends.")] = 0.0,
    batch_error_rate: Annotated[
        float, typer.Option(min=0, max=1, help="Share of batch items that fail (a 500).")
    ] = 0.0,
    batch_expire_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of batch items that expire.")] = 0.0,
) -> None:
    """Serve a fake OpenAI (/v1/chat/completions) and Anthropic (/v1/messages) API for dry runs without keys."""
    from harness.fake_server import FakeServer, Faults, main_loop, script_from_options

    script = script_from_options(
        text, task, str(replay) if replay else None, str(data) if data else None, str(task_dir) if task_dir else None
    )
    faults = Faults(
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        rate_429=rate_429,
        retry_after_s=retry_after,
        rate_500=rate_500,
        rate_timeout=rate_timeout,
        rate_malformed=rate_malformed,
        seed=seed,
        rate_limit_rps=rate_limit,
        batch_delay_s=batch_delay,
        batch_error_rate=batch_error_rate,
        batch_expire_rate=batch_expire_rate,
    )

    def announce(server: FakeServer) -> None:
        console.print(
            f"fake API on {server.url}: --model openai:NAME --model-arg base_url={server.openai_url} "
            f"| --model anthropic:NAME --model-arg base_url={server.anthropic_url} (any key; Ctrl-C stops)",
            highlight=False,
            soft_wrap=True,
        )

    try:
        main_loop(FakeServer(script, faults, host=host, port=port), announce)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}): choose another --port")


@app.command()
def leaderboard(
    db: DbOption = DEFAULT_DB,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve the web page on.")] = 8501,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 shares it on the network).")] = "127.0.0.1",
    export: Annotated[
        Path | None,
        typer.Option(help="Write a static site (HTML, CSV, JSON) into this folder and exit instead of serving."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --export: write into a folder that is not empty (overwrites).")
    ] = False,
) -> None:
    """Serve the leaderboard web page (Streamlit) on the results store, read-only; or --export it as a static site."""
    if export is None:
        if force:
            fail("--force only applies with --export DIR: add --export, or drop --force")
        from harness.leaderboard.serve import serve

        serve(db, port=port, host=host)  # Streamlit prints the URL
        return
    try:
        from harness.leaderboard.export import export_site
    except ImportError as exc:  # pandas comes with the leaderboard extra
        fail(str(missing_extra(exc.name or "pandas", "leaderboard")))
    try:
        written = export_site(db, export, force=force)
    except HarnessError as exc:
        fail(str(exc), exc.exit_code)
    done = f"wrote {len(written)} files to {escape(str(export))} (open index.html)"
    console.print(done, highlight=False, soft_wrap=True)
