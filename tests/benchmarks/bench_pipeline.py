"""Benchmark: the whole default pipeline, cold, of one commit against an earlier one (CPU s).

Run: ``python tests/benchmarks/bench_pipeline.py [--new HEAD] [--base 15491b5] [--repeats 3]
[--extra FILE]`` (MNIST_MIRROR or ../shared/mnist holds the test split). Not a test: both commits
are cloned from this repository into a scratch folder (committed states only: uncommitted changes
are not measured), and each runs `snakemake -c2 -q --configfile workflow/configs/test-split.yaml`
in its own clone, cold (results, resources, logs, benchmarks, report and .snakemake removed
first), with its own `src` first on PYTHONPATH and no Snakemake profile from the environment.
The runs alternate in ABBA order (new, base, base, new, new, base, ...) because this kind of
machine drifts by 10-20% within minutes; the CPU time of a run is user + system time of
Snakemake and every process it waited for (every job). Prints each run, the medians and the
ratio new / base; `--extra` adds a config file to the new tree's runs only (e.g. one setting
`training: {sharpness: null}`), to see what a setting costs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, mnist_dir

COLD = ("results", "resources", "logs", "benchmarks", ".snakemake", "report")


def clone(rev: str, where: Path) -> Path:
    """A fresh clone of this repository at `rev` (a commit, tag or branch) in `where`."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(where)], check=True)
    subprocess.run(["git", "-C", str(where), "checkout", "-q", rev], check=True)
    return where


def run_cold(tree: Path, extra: Path | None) -> tuple[float, float, int]:
    """(wall s, CPU s, benchmarked jobs) of one cold default run of `tree`'s own workflow and
    package; every rule but the target has a benchmark file, so Snakemake ran one job more."""
    for name in COLD:
        shutil.rmtree(tree / name, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
    path = [str(tree / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env.update(MNIST_MIRROR=str(mnist_dir()), PYTHONPATH=os.pathsep.join(path))
    cmd = [sys.executable, "-m", "snakemake", "-c2", "-q", "--configfile"]
    cmd += ["workflow/configs/test-split.yaml"] + ([str(extra)] if extra else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"the run of {tree} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    jobs = sum(1 for _ in (tree / "benchmarks").rglob("*.tsv"))
    return wall, cpu, jobs


def main() -> None:
    """Clone both commits, alternate cold runs, print the runs, medians and the CPU ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="15491b5", help="the commit to compare with")
    parser.add_argument("--new", default="HEAD", help="the commit measured (default HEAD)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each tree")
    parser.add_argument("--extra", type=Path, help="a config file for the new tree's runs only")
    args = parser.parse_args()
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is not None:
        print("note: the SLURM executor plugin is installed; where SLURM's binaries are present "
              "but no controller runs, every snakemake start then waits seconds for scontrol: "
              "uninstall it for this benchmark")  # fmt: skip
    extra = args.extra.resolve() if args.extra else None
    scratch = Path(tempfile.mkdtemp(prefix="ll-bench-pipeline-"))
    trees = {"new": clone(args.new, scratch / "new"), "base": clone(args.base, scratch / "base")}
    revs = {
        name: subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for name, tree in trees.items()
    }  # fmt: skip
    cpu: dict[str, list[float]] = {"new": [], "base": []}
    print(f"default pipeline, cold, -c 2, test split: new {revs['new']}"
          f"{' + ' + str(args.extra) if extra else ''} against base {revs['base']}")  # fmt: skip
    print(f"{'run':>10} {'wall':>9} {'CPU':>9} {'benchmarked jobs':>17}")
    for i in range(args.repeats):
        for name in ("new", "base") if i % 2 == 0 else ("base", "new"):
            wall, seconds, jobs = run_cold(trees[name], extra if name == "new" else None)
            cpu[name].append(seconds)
            print(f"{name + ', ' + str(i + 1):>10} {wall:8.1f}s {seconds:8.1f}s {jobs:17d}",
                  flush=True)  # fmt: skip
    new, base = statistics.median(cpu["new"]), statistics.median(cpu["base"])
    print(f"median CPU: new {new:.1f} s, base {base:.1f} s; new / base = {new / base:.2f}")
    print(f"(clones in {scratch})")


if __name__ == "__main__":
    main()
