"""The layout the product promises: tasks/ and leaderboard/ ship as harness.tasks and harness.leaderboard,
the wheel carries no dataset generators, and an installed (not editable) wheel runs a task and the leaderboard."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"harness": "harness", "harness.tasks": "tasks", "harness.leaderboard": "leaderboard"}


def packages_in_tree() -> set[str]:
    """Every package folder under the mapped roots, by its import name; datagen/ folders left out."""
    found = set()
    for name, folder in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            if "datagen" in parts or "__pycache__" in parts:
                continue
            found.add(".".join((name, *parts)))
    return found


def test_the_package_list_is_the_tree():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == FOLDERS
    assert set(config["packages"]) == packages_in_tree(), "pyproject.toml's packages must list every package folder"


def test_top_level_shows_the_architecture():
    for name in (
        "harness",
        "tasks",
        "leaderboard",
        "results",
        "tests",
        "bench",
        "docs",
        "pyproject.toml",
        "noxfile.py",
    ):
        assert (ROOT / name).exists(), name
    assert not (ROOT / "harness" / "tasks").exists() and not (ROOT / "harness" / "leaderboard").exists()
    for task in ("schema_json", "gis_command", "function_calling", "intent"):
        folder = ROOT / "tasks" / task
        assert (folder / "task.py").is_file() and (folder / "README.md").is_file()
        assert {p.name for p in (folder / "data").glob("*.jsonl")} >= {"train.jsonl", "test.jsonl", "ood.jsonl"}
        assert (folder / "datagen" / "__init__.py").is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (found,) = out.glob("harness-*.whl")
    return found


def test_the_wheel_maps_the_folders_and_leaves_the_generators_out(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for task in ("schema_json", "gis_command", "function_calling", "intent"):
        assert f"harness/tasks/{task}/task.py" in names
        assert f"harness/tasks/{task}/README.md" in names
        assert f"harness/tasks/{task}/data/test.jsonl" in names
    assert "harness/leaderboard/app.py" in names and "harness/leaderboard/views/overview.py" in names
    assert not [n for n in names if "datagen" in n]
    assert not [n for n in names if n.startswith(("tasks/", "leaderboard/"))]


def test_an_installed_wheel_runs_a_task_and_the_leaderboard(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    work = tmp_path / "work"
    work.mkdir()

    def harness(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "harness.cli", *args]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=300)

    where = subprocess.run(
        [sys.executable, "-c", "import harness.tasks.gis_command.task as t; print(t.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(target))
    ran = harness("run", "--task", "gis_command", "--model", "oracle", "--limit", "5", "--db", "r.duckdb")
    assert ran.returncode == 0, ran.stderr
    assert "exact_match *" in ran.stdout and "1.0000" in ran.stdout
    helped = harness("leaderboard", "--help")
    assert helped.returncode == 0 and "Serve the leaderboard" in helped.stdout


def test_the_public_api_names_what_it_exports():
    import harness

    assert sorted(harness.__all__) == sorted([*harness._PUBLIC, "__version__"])
    for name in harness._PUBLIC:
        assert getattr(harness, name).__name__ == name
