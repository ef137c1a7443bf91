"""Basin map and critical-point search on the seeds' default landscape (not a test: prints times).

    python tests/benchmarks/bench_analysis.py [--n 1000] [--resolution 100] [--epochs 1000]
                                              [--threads 2] [--crit-n 100 10000]

Basin map: sgd (lr 10) from every point of a resolution x resolution grid over the default range,
all starts at once, at N images of the MNIST test split, seed 135, pair w2-5-250_w2-5-251; a
few starts are checked against run_trajectory to 1e-9. Printed with the number of sigmoid
evaluations a naive run would make: the target's count (one per start, evaluation and sample
for the output unit that varies) and a full forward pass per evaluation as the seeds' loop does
(50 + 500 + 10 per sample). For comparison, estimates from a few timed epochs: the same map
through the generic PairSlice.cost_and_grad path (what non-output pairs use), and through the
seeds' loop (full forward pass per start and epoch). Then critical_points on the default 40x40
grid at each --crit-n.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from common import seeds_sgd_epoch, test_split_paths

from losslandscape.data.idx import load_split
from losslandscape.jobs.common import PairInputs
from losslandscape.landscape.analysis import basins, critical_points
from losslandscape.landscape.trajectory import run_trajectory
from losslandscape.network.model import init_weights
from losslandscape.specs import LandscapeSpec

SEED, HIDDEN, PAIR = 135, [50, 500], "w2-5-250_w2-5-251"


def landscape_at(n: int) -> LandscapeSpec:
    """The benchmarked landscape at N = n on the test split."""
    return LandscapeSpec(SEED, n, PAIR, tuple(HIDDEN), "test")


A, B = (-15.0, 17.0), (-15.0, 18.0)


def naive_seconds_per_evaluation(sl, images: str, labels: str, n: int, reps: int = 20) -> float:
    """Seconds per start and epoch of the seeds' loop: full forward pass, output-layer gradient."""
    x, y = load_split(images, labels, n)
    w = init_weights(SEED, HIDDEN)
    t0 = time.perf_counter()
    for _ in range(reps):
        seeds_sgd_epoch(w, x, y)
    return (time.perf_counter() - t0) / reps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--resolution", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--crit-n", type=int, nargs="*", default=[100, 10_000])
    args = ap.parse_args()
    images, labels = test_split_paths()
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")

    sl = PairInputs(images, labels, landscape_at(args.n)).surface(args.threads)
    a = np.linspace(*A, args.resolution)
    b = np.linspace(*B, args.resolution)
    t0 = time.perf_counter()
    cp = critical_points(sl, np.linspace(*A, 40), np.linspace(*B, 40))
    t_cp = time.perf_counter() - t0
    t0 = time.perf_counter()
    df = basins(sl, "sgd", {"lr": 10.0}, a, b, args.epochs, cp, threads=args.threads)
    t_basin = time.perf_counter() - t0
    starts = len(df)
    evaluations = starts * (args.epochs + 1)
    issue_count = evaluations * args.n
    full_count = issue_count * (HIDDEN[0] + HIDDEN[1] + 10)
    print(
        f"basin map {args.resolution}x{args.resolution} x {args.epochs} epochs, sgd lr 10, "
        f"N={args.n}, {args.threads} threads: {t_basin:.2f} s "
        f"(critical points for its labels: {t_cp:.2f} s)"
    )
    print(
        f"  replaces {issue_count:.3g} naive sigmoid evaluations (start x evaluation x sample, "
        f"the target's count), {full_count:.3g} with a full forward pass each time"
    )
    print(
        f"  ends: {int(df.diverged.sum())} diverged, {int((df.minimum >= 0).sum())} at one of "
        f"{int((cp.kind == 'minimum').sum())} minima, final cost "
        f"{df.final_cost.min():.6f}..{df.final_cost.max():.6f}"
    )
    worst = 0.0
    for k in np.linspace(0, starts - 1, 5).astype(int):
        row = df.iloc[k]
        tr = run_trajectory(sl, "sgd", {"lr": 10.0}, (row.start_a, row.start_b), args.epochs)
        got = np.array([row.end_a, row.end_b, row.final_cost])
        worst = max(worst, float(np.abs(got - [tr.a[-1], tr.b[-1], tr.cost[-1]]).max()))
    assert worst <= 1e-9, worst
    print(f"  5 starts against run_trajectory: max difference {worst:.1e}")
    m1, m2 = np.meshgrid(a, b)
    t0 = time.perf_counter()
    for _ in range(3):
        sl.cost_and_grad(m1.ravel(), m2.ravel())
    t_generic = (time.perf_counter() - t0) / 3 * (args.epochs + 1)
    print(f"  the generic PairSlice.cost_and_grad path: ~{t_generic:.0f} s (3 epochs timed)")
    t_naive = naive_seconds_per_evaluation(sl, images, labels, args.n) * evaluations
    print(f"  the seeds' loop (full forward pass per evaluation): ~{t_naive:.3g} s (20 timed)")

    for n in args.crit_n:
        sl = PairInputs(images, labels, landscape_at(n)).surface(args.threads)
        a40, b40 = np.linspace(*A, 40), np.linspace(*B, 40)
        t0 = time.perf_counter()
        d = sl.grid_derivatives(a40, b40)
        t_grid = time.perf_counter() - t0
        cp = critical_points(sl, a40, b40, derivatives=d)
        t_all = time.perf_counter() - t0
        kinds = ", ".join(f"{k} {v}" for k, v in cp.kind.value_counts().sort_index().items())
        print(
            f"critical_points 40x40 N={n}: {t_all:.2f} s (grid gradient and Hessian "
            f"{t_grid:.2f} s, refinement {t_all - t_grid:.2f} s); found: {kinds or 'none'}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
