"""Each task's shipped data is what its generator writes, and the runtime plugin never imports the generator.

``datagen/`` is left out of the wheel, so an import of it from ``task.py`` or a helper beside it would break
an installed harness; the documented command (``python -m harness.tasks.<name>.datagen OUT``) must rewrite
every ``data/*.jsonl`` byte for byte (the intent generator also refuses to write when its checks fail).
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from harness.registry import get_task

TASKS = ("schema_json", "gis_command", "function_calling", "intent")


@pytest.mark.parametrize("name", TASKS)
def test_runtime_modules_never_import_the_generator(name):
    folder = get_task(name).data_dir.parent
    for module in folder.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names]
        imported += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        assert not [name for name in imported if "datagen" in name.split(".")], module.name


@pytest.mark.parametrize("name", TASKS)
def test_generator_reproduces_the_committed_files(name, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", f"harness.tasks.{name}.datagen", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    committed = sorted(get_task(name).data_dir.glob("*.jsonl"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in committed]
    for path in committed:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), f"{path.name} differs: rerun the generator"
