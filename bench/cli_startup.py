"""Cold start of ``harness --help``: this tree against a reference commit, measured in the same run.

    python bench/cli_startup.py --ref bce3af2 --repeats 15

Each sample is a fresh interpreter running the console entry point with ``--help`` (stdout discarded),
the two trees interleaved so a busy machine slows both alike; the floor is a bare ``python -c pass``.
Prints the median wall time of each, the ratio this/reference, and both less the floor.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELP = "import sys; sys.argv = ['harness', '--help']; from harness.cli import main; main()"


def export_tree(ref: str, into: Path) -> Path:
    """The files of ``ref`` (git archive) unpacked into ``into``."""
    archive = into / "ref.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), ref], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def once(code: str, pythonpath: Path | None) -> float:
    """Wall seconds of one fresh interpreter running ``code``."""
    env = {"PYTHONPATH": str(pythonpath)} if pythonpath else {}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL, env=env, cwd=tempfile.gettempdir()
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD", help="reference commit (default HEAD: the committed tree)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reference = export_tree(args.ref, Path(tmp))
        times: dict[str, list[float]] = {"this": [], "reference": [], "floor": []}
        once(HELP, ROOT), once(HELP, reference)  # warm the file cache
        for _ in range(args.repeats):
            times["this"].append(once(HELP, ROOT))
            times["reference"].append(once(HELP, reference))
            times["floor"].append(once("pass", None))
    median = {name: statistics.median(values) for name, values in times.items()}
    floor = median["floor"]
    print(f"harness --help cold start, median of {args.repeats} (reference {args.ref}):")
    for name in ("this", "reference", "floor"):
        print(f"  {name:<9} {median[name] * 1000:7.1f} ms")
    print(f"  ratio this/reference {median['this'] / median['reference']:.3f}")
    this, reference = (median["this"] - floor) * 1000, (median["reference"] - floor) * 1000
    print(f"  less the floor: this {this:.1f} ms, reference {reference:.1f} ms")


if __name__ == "__main__":
    main()
