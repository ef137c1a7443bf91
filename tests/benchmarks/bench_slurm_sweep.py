"""Benchmark: a gallery sweep through the local SLURM cluster, with and without job bundling.

Run (as root, SLURM and the executor plugin installed: `.ci/run` or tests/slurm/install.sh and
`pip install -e '.[cluster]'`):

    python tests/benchmarks/bench_slurm_sweep.py [--seeds 40] [--n 500]

Not a test: it prints, side by side in one run, the number of SLURM jobs and the wall time of the
`gallery` target (one pair, one N, --seeds seeds) submitted with the SLURM workflow profile as
shipped (the small jobs of each landscape in group `landscape`, `group-components` of them per
SLURM job) and with a copy of the profile without `groups`/`group-components`. The grids of both
runs must be byte-identical. tests/slurm/start.sh starts the cluster (or a running one is reused).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import REPO, mnist_dir

PROFILE = REPO / "workflow" / "profiles" / "slurm"
SMALL = REPO / "tests" / "configs" / "small.yaml"
STATE = Path(os.environ.get("LOSSLANDSCAPE_SLURM_STATE", "/tmp/losslandscape-slurm"))


def unbundled_profile(where: Path) -> Path:
    """A copy of the SLURM profile without job grouping."""
    cfg = yaml.safe_load((PROFILE / "config.yaml").read_text())
    for key in ("groups", "group-components", "cores"):
        cfg.pop(key, None)
    where.mkdir(parents=True)
    (where / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return where


def run(workdir: Path, profile: Path, config: dict) -> tuple[float, int, str]:
    """Run the gallery target through SLURM; (wall seconds, SLURM jobs submitted, output)."""
    workdir.mkdir(parents=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env["MNIST_MIRROR"] = str(mnist_dir())
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
           str(workdir), "--workflow-profile", str(profile), "--executor", "slurm",
           "--slurm-init-seconds-before-status-checks", "2", "--slurm-status-command", "squeue",
           "gallery"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(["timeout", "-k", "10", "3600", *cmd], capture_output=True,
                          text=True, env=env)  # fmt: skip
    seconds = time.perf_counter() - t0
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.exit(f"snakemake failed in {workdir}:\n{out[-4000:]}")
    jobs = len(set(re.findall(r"submitted with SLURM jobid (\d+)", out)))
    return seconds, jobs, out


def main() -> None:
    """Run both ways and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    start = subprocess.run(["bash", str(REPO / "tests" / "slurm" / "start.sh"), str(STATE)],
                           capture_output=True, text=True)  # fmt: skip
    if start.returncode not in (0, 10):
        sys.exit(f"cannot start the SLURM cluster:\n{start.stdout}{start.stderr}")
    try:
        config = yaml.safe_load(SMALL.read_text())
        config["landscapes"]["grid"] = {"a": [-15, 17], "b": [-15, 18], "resolution": 40}
        config["gallery"] = {"pairs": ["w1-5-5_w1-5-6"], "n": [args.n],
                             "seeds": [0, args.seeds - 1]}  # fmt: skip
        config["render"].pop("rotation", None)  # the article's 72-frame GIF
        scratch = Path(tempfile.mkdtemp(prefix="ll-bench-slurm-"))
        plain = unbundled_profile(scratch / "profile-unbundled")
        results = {}
        for name, profile in (("unbundled", plain), ("bundled", PROFILE)):
            results[name] = run(scratch / name, profile, config)
            print(f"{name}: {results[name][1]} SLURM jobs, {results[name][0]:.0f} s", flush=True)
        grids = sorted((scratch / "bundled" / "results" / "grids").rglob("*.parquet"))
        if len(grids) != args.seeds:
            sys.exit(f"expected {args.seeds} grids, found {len(grids)}")
        same = all(
            g.read_bytes() == (scratch / "unbundled" / g.relative_to(scratch / "bundled"))
            .read_bytes() for g in grids
        )  # fmt: skip
        (t_plain, jobs_plain, _), (t_bund, jobs_bund, _) = results["unbundled"], results["bundled"]
        print(f"gallery of {args.seeds} seeds (1 pair, N = {args.n}, 40x40 grids, 72-frame GIFs):")
        print(f"  SLURM jobs: {jobs_plain} unbundled, {jobs_bund} bundled "
              f"({jobs_bund / jobs_plain:.3f} of them)")  # fmt: skip
        print(f"  wall time: {t_plain:.0f} s unbundled, {t_bund:.0f} s bundled "
              f"({t_plain / t_bund:.2f}x faster)")  # fmt: skip
        print(f"  {len(grids)} grids byte-identical between the runs: {same}")
    finally:
        if start.returncode == 0:
            subprocess.run(["bash", str(REPO / "tests" / "slurm" / "stop.sh"), str(STATE)])


if __name__ == "__main__":
    main()
