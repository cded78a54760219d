"""Docs that come from code stay true: docs/cli.md and the README's commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_cli_reference_is_generated_from_the_app(tmp_path):
    out = tmp_path / "cli.md"
    subprocess.run(
        [sys.executable, "-m", "typer", "harness.cli", "utils", "docs", "--name", "harness", "--output", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), (
        "docs/cli.md is stale: typer harness.cli utils docs --name harness --output docs/cli.md"
    )


def test_readme_has_the_two_fresh_machine_commands():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(python3 -m venv .*?)\n```", readme)
    assert len(blocks) == 2
    main_job, tests = blocks
    for command in blocks:
        assert command.index("torch==2.13.0") < command.index("pip install -e")
    assert "harness run --task schema_json --model smollm2-135m" in main_job
    assert tests.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "ci:test-command" in ci and tests in readme.split("<!-- ci:test-command -->")[1]
