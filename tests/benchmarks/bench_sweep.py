"""Benchmark: a cold gallery sweep on this machine, `snakemake -c 2 gallery`.

Run: ``python tests/benchmarks/bench_sweep.py [--seeds 100]`` (MNIST_MIRROR or ../shared/mnist
holds the test split). Not a test: it prints the wall time of a cold run of the `gallery` target
of the default config's gallery (its pairs and sample sizes) for seeds 0 .. seeds-1 on the test
split, the number of jobs, and per rule the jobs' count, mean and total time from Snakemake's
benchmark files.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml
from common import REPO, run_workflow


def main() -> None:
    """One cold run, then the per-rule table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    gallery = yaml.safe_load((REPO / "config.yaml").read_text())["gallery"]
    config = {
        "mnist": {"split": "test"},
        "gallery": {**gallery, "seeds": [0, args.seeds - 1]},
    }
    workdir = Path(tempfile.mkdtemp(prefix="ll-bench-sweep-"))
    seconds = run_workflow(config, ["gallery"], workdir)
    per_rule: dict[str, list[float]] = defaultdict(list)
    for tsv in (workdir / "benchmarks").rglob("*.tsv"):
        with tsv.open() as f:
            row = next(csv.DictReader(f, delimiter="\t"))
        rule = tsv.relative_to(workdir / "benchmarks").parts[0].removesuffix(".tsv")
        per_rule[rule].append(float(row["s"]))
    jobs = sum(len(v) for v in per_rule.values())
    landscapes = args.seeds * len(gallery["pairs"]) * len(gallery["n"])
    print(f"gallery of {args.seeds} seeds x {len(gallery['pairs'])} pairs x "
          f"{len(gallery['n'])} N = {landscapes} landscapes, cold, -c 2, test split:")  # fmt: skip
    print(f"  wall time {seconds:.0f} s ({seconds / landscapes:.2f} s a landscape), {jobs} jobs")
    for rule, times in sorted(per_rule.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {rule:16s} {len(times):5d} jobs, mean {sum(times) / len(times):6.2f} s, "
              f"total {sum(times):7.0f} s")  # fmt: skip
    print(f"  (run folder: {workdir})")


if __name__ == "__main__":
    main()
