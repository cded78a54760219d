"""Screenshots and DOM dumps of the leaderboard with headless Chromium (README images, browser tests).

    python -m harness.leaderboard.screenshot --db results/harness.duckdb --out docs/img/overview.png

starts the app on a free port, waits until the page has finished drawing, saves a PNG, stops the app.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: no port, no
extra package). A Streamlit page draws over a websocket after load, so ``--screenshot`` or
``--dump-dom`` alone race it; here we poll the page until its script has finished running and
what we wait for is in the DOM, then capture.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from harness.errors import HarnessError
from harness.paths import DB_ENV, DEFAULT_DB

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMIUM_ENV = "HARNESS_CHROMIUM"
# No GPU, no sandbox (containers run as root), nothing fetched but the page itself.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
# How far the page has drawn: null while the script runs or placeholders show, else the element count.
DRAWN_JS = """(() => {
  const busy = document.querySelector('[data-testid^="stStatusWidget"], [data-testid*="keleton"], [data-stale="true"]');
  const count = document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length;
  const found = NEEDLES.every(n => document.body.innerHTML.includes(n));
  return busy || count === 0 || !found ? null : count;
})()"""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: ``$HARNESS_CHROMIUM``, else the first one on PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return shutil.which(configured)
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


class Browser:
    """One headless Chromium page, driven over the DevTools protocol on fds 3 and 4."""

    def __init__(self, width: int = 1600, height: int = 1000) -> None:
        chromium = find_chromium()
        if chromium is None:
            raise HarnessError("Chromium is not installed: apt-get install -y chromium (or set HARNESS_CHROMIUM)")
        self._profile = tempfile.TemporaryDirectory(prefix="harness-chromium-")
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()

        def wire_pipes() -> None:  # in the child: the protocol reads fd 3 and writes fd 4, nothing else leaks
            high_in = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10)
            high_out = fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)
            os.closerange(5, os.sysconf("SC_OPEN_MAX"))

        args = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}", f"--window-size={width},{height}"]
        self._process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=wire_pipes, close_fds=False
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Quit Chromium and remove its profile."""
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._commands, self._replies):
            os.close(fd)
        self._profile.cleanup()

    # ---- protocol -------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any] | None = None, timeout_s: float = 60.0) -> dict[str, Any]:
        """One command on the page's session."""
        return self._call(method, params, timeout_s, session=self._session)

    def _call(
        self, method: str, params: dict[str, Any] | None = None, timeout_s: float = 60.0, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while True:
            reply = self._read(deadline, method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise HarnessError(f"Chromium {method}: {reply['error'].get('message')}")
                return dict(reply.get("result", {}))

    def _read(self, deadline: float, method: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._replies], [], [], max(left, 0))
            if not ready:
                raise HarnessError(f"Chromium did not answer {method} in time")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise HarnessError(f"Chromium exited during {method}")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    # ---- what tests and the CLI use ---------------------------------------------------------
    def open(self, url: str, needles: tuple[str, ...] = (), timeout_s: float = 120.0) -> None:
        """Load ``url`` and wait until the app has drawn every needle and stopped changing (1.5 s steady)."""
        self.call("Page.navigate", {"url": url})
        condition = DRAWN_JS.replace("NEEDLES", json.dumps(list(needles)))
        deadline = time.monotonic() + timeout_s
        seen: list[Any] = []
        while not (len(seen) >= 4 and seen[-1] is not None and len(set(seen[-4:])) == 1):
            if time.monotonic() > deadline:
                missing = [n for n in needles if n not in self.dom()]
                raise HarnessError(f"{url}: the page did not finish drawing in {timeout_s:.0f} s (missing {missing})")
            seen.append(self.evaluate(condition))
            time.sleep(0.5)

    def dom(self) -> str:
        """The page's current HTML."""
        return str(self.evaluate("document.documentElement.outerHTML"))

    def text(self) -> str:
        """The page's visible text."""
        return str(self.evaluate("document.body.innerText"))

    def screenshot(self, out: str | Path) -> Path:
        """Save the viewport as a PNG."""
        out = Path(out).resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        out.write_bytes(base64.b64decode(data))
        return out


# The app's pages (``app.PAGES``, a test keeps them equal), named here so the command starts without streamlit.
PAGE_NAMES = ["overview", "task", "cost", "samples", "history", "versus"]


def capture(
    db: str,
    out: str,
    page: str = "overview",
    width: int = 1600,
    height: int = 1000,
    params: dict[str, str] | None = None,
) -> Path:
    """Start the app on ``db``, open ``page`` (with the page's own URL ``params``, e.g. Versus's ``a`` and ``b``)
    once it has drawn, screenshot it, stop the app."""
    from urllib.parse import urlencode

    from harness.leaderboard.serve import free_port, start

    server = start(db, free_port())
    try:
        server.wait_until_up()
        with Browser(width, height) as browser:
            browser.open(f"{server.url}/?{urlencode({'page': page, **(params or {})})}")
            return browser.screenshot(out)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m harness.leaderboard.screenshot --db DB --out PNG [--page P] [--size WxH] [--a A --b B]``."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.leaderboard.screenshot", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", default=os.environ.get(DB_ENV, DEFAULT_DB), help="results store")
    parser.add_argument("--out", default="docs/img/overview.png", help="PNG to write")
    parser.add_argument("--page", default="overview", choices=PAGE_NAMES)
    parser.add_argument("--size", default="1600x1000", help="window WIDTHxHEIGHT")
    parser.add_argument("--a", help="--page versus: model A's label")
    parser.add_argument("--b", help="--page versus: model B's label")
    args = parser.parse_args(argv)
    width, _, height = args.size.partition("x")
    params = {name: value for name, value in (("a", args.a), ("b", args.b)) if value}
    try:
        path = capture(args.db, args.out, args.page, int(width), int(height), params)
    except (HarnessError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
