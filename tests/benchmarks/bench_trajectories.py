"""Trajectory engine and workflow against the seeds' training loop, in the same run (not a test).

    python tests/benchmarks/bench_trajectories.py [--epochs 10000] [--n 100] [--seeds-epochs 1000]

The yardstick is the seeds' default set: 3 starts x 5 optimizers x 10,000 epochs at N=100. The
seeds' loop (a full forward pass and the output-layer gradient every epoch) is timed over
--seeds-epochs epochs and scaled to the whole set. Printed: engine only (frozen network built
per trajectory, as each job does), a whole `snakemake trajectories` run with MNIST already in
place (best of --repeats, as the seeds' loop is best of three), a cold run that also fetches
MNIST from the local mirror, and where the time goes: Snakemake with nothing to do, and the
jobs' own times from their benchmark files.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import job_seconds, run_workflow, seeds_sgd_epoch, test_split_paths

from losslandscape.data.idx import load_split
from losslandscape.jobs.common import PairInputs
from losslandscape.landscape.trajectory import run_trajectory
from losslandscape.network.model import init_weights
from losslandscape.network.names import start_name
from losslandscape.optimizers import DEFAULTS
from losslandscape.specs import LandscapeSpec

HERE = Path(__file__).resolve().parent
SEEDS_OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
STARTS = [(-9.0, 15.0), (-10.1, 15.0), (-11.0, 15.0)]
SEED, HIDDEN, PAIR = 135, [50, 500], "w2-5-250_w2-5-251"


def landscape_at(n: int) -> LandscapeSpec:
    """The benchmarked landscape at N = n on the test split."""
    return LandscapeSpec(SEED, n, PAIR, tuple(HIDDEN), "test")


def seeds_loop_seconds_per_epoch(x: np.ndarray, y: np.ndarray, epochs: int) -> float:
    """The seeds' NeuralNetwork.train: full forward, output-layer gradient, SGD on two weights."""
    w = init_weights(SEED, HIDDEN)
    w[2][5][250], w[2][5][251] = STARTS[0]
    costs, wa, wb = [], [], []
    t0 = time.perf_counter()
    for _ in range(epochs):
        pred = seeds_sgd_epoch(w, x, y)
        costs.append(np.mean(np.sum((y.T - pred) ** 2, axis=0)))
        wa.append(w[2][5][250])
        wb.append(w[2][5][251])
    return (time.perf_counter() - t0) / epochs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=10_000)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seeds-epochs", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3, help="warm workflow runs; the best counts")
    args = ap.parse_args()
    images, labels = test_split_paths()
    x, y = load_split(images, labels, args.n)
    count = len(SEEDS_OPTIMIZERS) * len(STARTS)
    # The seeds' loop at its best: with the default BLAS threads and with one (on two cores
    # the small matrices often run faster on one thread); best of three runs each.
    timings = {}
    for threads in ("default", "1"):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
        env.pop("OPENBLAS_NUM_THREADS", None)
        if threads == "1":
            env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        code = (
            "import sys; import bench_trajectories as b; "
            "from losslandscape.data.idx import load_split; "
            "x, y = load_split(*b.test_split_paths(), int(sys.argv[2])); "
            "print(min(b.seeds_loop_seconds_per_epoch(x, y, int(sys.argv[3])) for _ in range(3)))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(HERE), str(args.n), str(args.seeds_epochs)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        timings[threads] = float(out.stdout.strip())
    per_epoch = min(timings.values())
    t_seeds = per_epoch * args.epochs * count
    print(
        "seeds' loop: "
        + ", ".join(f"{v * 1e3:.3f} ms/epoch ({k} BLAS threads)" for k, v in timings.items())
        + f"; the faster -> {count} trajectories x {args.epochs} epochs = {t_seeds:.1f} s"
    )
    t0 = time.perf_counter()
    for opt in SEEDS_OPTIMIZERS:
        for start in STARTS:
            sl = PairInputs(images, labels, landscape_at(args.n)).surface()
            run_trajectory(sl, opt, DEFAULTS[opt], start, args.epochs)
    t_engine = time.perf_counter() - t0
    print(f"engine only: {t_engine:.2f} s -> {t_seeds / t_engine:.0f}x")
    config = {
        "mnist": {"split": "test"},
        "trajectories": {
            "seeds": [SEED], "n": [args.n], "pairs": [PAIR], "epochs": args.epochs,
            "starts": [list(s) for s in STARTS],
            "optimizers": {k: DEFAULTS[k] for k in SEEDS_OPTIMIZERS},
        },
    }  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="ll-bench-traj-"))
    t_cold = run_workflow(config, ["trajectories"], workdir)
    # Warm runs (MNIST in place): the best of --repeats, as for the seeds' loop above.
    t_warm = math.inf
    for _ in range(args.repeats):
        shutil.rmtree(workdir / "results")
        t_warm = min(t_warm, run_workflow(config, ["trajectories"], workdir))
    files = list((workdir / "results" / "trajectories").rglob("*.parquet"))
    assert len(files) == count, files
    names = {p.stem for p in files}
    assert names == {start_name(*s) for s in STARTS}
    # Where the time goes: Snakemake with nothing to do (start-up, DAG, teardown) and the
    # trajectory jobs' own wall times as their benchmark files record them.
    t_idle = min(run_workflow(config, ["trajectories"], workdir) for _ in range(args.repeats))
    job_s = [job_seconds(p) for p in (workdir / "benchmarks" / "trajectory").rglob("*.tsv")]
    print(f"snakemake trajectories, MNIST in place: {t_warm:.2f} s -> {t_seeds / t_warm:.0f}x")
    print(
        f"snakemake trajectories, cold (MNIST fetched): {t_cold:.2f} s -> {t_seeds / t_cold:.0f}x"
    )
    plugins = "with" if importlib.util.find_spec("snakemake_executor_plugin_slurm") else "without"
    print(
        f"  of which: snakemake with nothing to do {t_idle:.2f} s ({plugins} the SLURM executor"
        f" plugin installed); {len(job_s)} jobs of {sum(job_s) / len(job_s):.3f} s each on"
        f" average ({sum(job_s):.2f} s of job time on -c2)"
    )
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
