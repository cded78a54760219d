"""Starting the leaderboard: the ``streamlit run`` command line, in the foreground or as a child process."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.errors import HarnessError, missing_extra
from harness.leaderboard import DB_ENV, app_path
from harness.store import Store


def streamlit_argv(port: int, host: str) -> list[str]:
    """``python -m streamlit run <app>`` for serving, not developing: no file watcher, no telemetry, no prompts."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def _environment(db: str | Path) -> dict[str, str]:
    if importlib.util.find_spec("streamlit") is None:
        raise missing_extra("streamlit", "leaderboard")
    Store(db, read_only=True)  # a missing store is a one-line error now, not a page that says so later
    return {**os.environ, DB_ENV: str(Path(db).resolve())}


def serve(db: str | Path, port: int = 8501, host: str = "127.0.0.1") -> None:
    """Serve the leaderboard on ``host:port`` until interrupted (replaces this process on POSIX)."""
    env = _environment(db)
    argv = streamlit_argv(port, host)
    if os.name == "posix":
        os.execve(argv[0], argv, env)
    raise SystemExit(subprocess.call(argv, env=env))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A leaderboard running as a child process, its output kept in a temporary file."""

    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    def output(self) -> str:
        """What the server printed so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_until_up(self, timeout_s: float = 60.0) -> None:
        """Poll Streamlit's health endpoint until it answers; raise if the server died or never came up."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.output().strip()[-800:]
                raise HarnessError(f"the leaderboard exited with code {self.process.returncode}: {tail}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise HarnessError(f"the leaderboard did not answer at {self.url} within {timeout_s:.0f} s")

    def stop(self) -> None:
        """Terminate the server (kill it if it lingers)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start(db: str | Path, port: int, host: str = "127.0.0.1") -> Server:
    """Start the leaderboard as a child process (screenshots, tests); ``Server.stop`` ends it."""
    env = _environment(db)
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Server.stop)
    process = subprocess.Popen(streamlit_argv(port, host), env=env, stdout=log, stderr=subprocess.STDOUT)
    return Server(process, f"http://{host}:{port}", log)
