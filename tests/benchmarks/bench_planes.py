"""Whole-network planes, training and Hessian directions against the naive reference (not a test).

    python tests/benchmarks/bench_planes.py [--n 10000] [--resolution 41] [--threads 2]
        [--naive-points 25] [--epochs 5] [--hessian-n 1000]

BLAS runs one thread per worker thread, as in the workflow's jobs: OPENBLAS_NUM_THREADS=1 is set
here before numpy loads (unless already set). The naive reference is timed in this process with
that setting and again in a subprocess with BLAS's default threads; the faster of the two is
its yardstick, as bench_trajectories.py does for the source documents' loop.

1. Plane: `plane_grid` on a resolution x resolution grid over [-1, 1]^2 at N = --n of the test
   split, centre the seed-135 initial network, directions random0 (filter-normalised), on
   --threads threads; the job's whole time (MNIST loaded, directions, grid) and the process's
   peak RSS before anything naive runs. The naive reference (whole theta assembled, full forward
   pass per point) is timed on --naive-points points spread over the grid, checked against the
   grid (cost to 1e-12 relative, accuracy equal), and extrapolated per point to the whole grid.
2. Training: one epoch of full-batch back-propagation of every weight at N = --n (SGD), the
   naive loop (expit, whole matrices, as the source documents do) against `train`, in ms per
   epoch (best of three runs of --epochs epochs).
3. `hessian_directions` at N = --hessian-n: seconds and the number of Hessian-vector products.
"""

from __future__ import annotations

import os
import sys

if "--default-blas" not in sys.argv:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from common import test_split_paths  # noqa: E402

from losslandscape.data.idx import load_split  # noqa: E402
from losslandscape.landscape.directions import hessian_directions, random_directions
from losslandscape.landscape.plane import plane_grid
from losslandscape.network.model import (
    flatten,
    init_weights,  # noqa: E402
)
from losslandscape.network.training import train
from losslandscape.optimizers import make_step  # noqa: E402
from losslandscape.reference import naive_plane_grid, naive_train_epoch  # noqa: E402

HERE = Path(__file__).resolve().parent
SEED, HIDDEN = 135, [50, 500]
LR = 10.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages and the CPU count, for the record."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def plane_setup(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y at N = n, and the benchmarked plane: centre, d1, d2."""
    x, y = load_split(*test_split_paths(), n)
    centre = flatten(init_weights(SEED, HIDDEN))
    d1, d2 = random_directions(0, centre, HIDDEN)
    return x, y, centre, d1, d2


def grid_axes(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """The plane's alpha and beta values."""
    return np.linspace(-1.0, 1.0, resolution), np.linspace(-1.0, 1.0, resolution)


def naive_points(resolution: int, points: int) -> np.ndarray:
    """Indices (meshgrid ravel order) of the points the naive reference is timed on."""
    total = resolution * resolution
    return np.unique(np.linspace(0, total - 1, min(points, total)).astype(int))


def naive_plane_seconds(
    x: np.ndarray,
    y: np.ndarray,
    plane: tuple[np.ndarray, np.ndarray, np.ndarray],
    resolution: int,
    points: int,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean seconds per naive plane point, and the cost and accuracy at those points."""
    alphas, betas = grid_axes(resolution)
    picks = naive_points(resolution, points)
    costs, accs = [], []
    t0 = time.perf_counter()
    for k in picks:
        a, b = alphas[k % resolution], betas[k // resolution]
        c, acc = naive_plane_grid(*plane, np.array([a]), np.array([b]), x, y, HIDDEN)
        costs.append(c[0])
        accs.append(acc[0])
    return (time.perf_counter() - t0) / len(picks), np.array(costs), np.array(accs)


def naive_epoch_seconds(x: np.ndarray, y: np.ndarray, epochs: int) -> float:
    """Seconds per epoch of the naive whole-network SGD loop, best of three runs."""
    best = np.inf
    for _ in range(3):
        weights = init_weights(SEED, HIDDEN)
        steps = [make_step("sgd", {"lr": LR}) for _ in weights]
        t0 = time.perf_counter()
        for t in range(1, epochs + 1):
            grads, _, _ = naive_train_epoch(weights, x, y)
            weights = [s(w, g, t) for s, w, g in zip(steps, weights, grads, strict=True)]
        best = min(best, (time.perf_counter() - t0) / epochs)
    return best


def naive_only(args: argparse.Namespace) -> None:
    """Subprocess mode: the naive timings with this process's BLAS setting, as JSON."""
    x, y, *plane = plane_setup(args.n)
    per_point, _, _ = naive_plane_seconds(x, y, tuple(plane), args.resolution, args.naive_points)
    per_epoch = naive_epoch_seconds(x, y, args.epochs)
    print(json.dumps({"plane_point_s": per_point, "epoch_s": per_epoch}))


def naive_default_blas(args: argparse.Namespace) -> dict[str, float]:
    """The naive timings in a subprocess whose BLAS uses its default number of threads."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    }
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--default-blas", "--naive-only",
        "--n", str(args.n), "--resolution", str(args.resolution),
        "--naive-points", str(args.naive_points), "--epochs", str(args.epochs),
    ]  # fmt: skip
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the three comparisons and print times, ratios, memory and the machine's load."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--resolution", type=int, default=41)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--naive-points", type=int, default=25)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--hessian-n", type=int, default=1000)
    ap.add_argument("--naive-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--default-blas", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.naive_only:
        naive_only(args)
        return
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"start: {load_average()}; BLAS threads here: {blas}; worker threads: {args.threads}")
    res, total = args.resolution, args.resolution**2

    # 1. plane: the job's whole time, then the naive reference on a few points
    t0 = time.perf_counter()
    x, y, centre, d1, d2 = plane_setup(args.n)
    t_setup = time.perf_counter() - t0
    alphas, betas = grid_axes(res)
    t1 = time.perf_counter()
    cost, acc = plane_grid(centre, d1, d2, alphas, betas, x, y, HIDDEN, threads=args.threads)
    t_grid = time.perf_counter() - t1
    rss = peak_rss_mb()
    per_point, naive_cost, naive_acc = naive_plane_seconds(
        x, y, (centre, d1, d2), res, args.naive_points
    )
    picks = naive_points(res, args.naive_points)
    rel = float(np.max(np.abs(cost[picks] - naive_cost) / np.abs(naive_cost)))
    assert rel <= 1e-12, rel
    assert np.array_equal(acc[picks], naive_acc)
    default = naive_default_blas(args)
    best_point = min(per_point, default["plane_point_s"])
    t_naive = best_point * total
    print(f"\n1. plane {res}x{res} at N={args.n}, centre seed {SEED} init, random0 directions")
    print(f"   plane_grid, {args.threads} threads: {t_grid:.2f} s ({t_grid / total * 1e3:.2f} ms "
          f"per point); the whole job (MNIST loaded, directions, grid): {t_setup + t_grid:.2f} s; "
          f"process peak RSS {rss:.0f} MB")  # fmt: skip
    print(f"   naive: timed on {len(picks)} of {total} points and extrapolated per point: "
          f"{per_point * 1e3:.1f} ms/point (BLAS threads {blas}), "
          f"{default['plane_point_s'] * 1e3:.1f} ms/point (default BLAS threads) -> "
          f"{t_naive:.1f} s for the grid at the faster setting")  # fmt: skip
    print(
        f"   ratio naive / plane_grid: {t_naive / t_grid:.1f}x (checked: cost to {rel:.1e} "
        "relative, accuracy equal on those points)"
    )

    # 2. one epoch of full-batch training
    naive_epoch = naive_epoch_seconds(x, y, args.epochs)
    best_naive = min(naive_epoch, default["epoch_s"])
    ours = {}
    for threads in sorted({1, args.threads}):
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            train(centre, x, y, HIDDEN, "sgd", {"lr": LR}, args.epochs, [0], threads=threads)
            best = min(best, (time.perf_counter() - t0) / args.epochs)
        ours[threads] = best
    print(f"\n2. one epoch of full-batch back-propagation at N={args.n} (SGD, best of 3 runs of "
          f"{args.epochs} epochs; ours includes the final state's extra forward pass)")  # fmt: skip
    print(
        f"   naive loop: {naive_epoch * 1e3:.1f} ms (BLAS threads {blas}), "
        f"{default['epoch_s'] * 1e3:.1f} ms (default BLAS threads)"
    )
    for threads, sec in ours.items():
        print(f"   train, {threads} thread(s): {sec * 1e3:.1f} ms -> naive (faster setting) / "
              f"ours = {best_naive / sec:.2f}x")  # fmt: skip

    # 3. Hessian directions
    xh, yh = x[: args.hessian_n], y[: args.hessian_n]
    t0 = time.perf_counter()
    h = hessian_directions(centre, xh, yh, HIDDEN, threads=args.threads)
    t_h = time.perf_counter() - t0
    print(f"\n3. hessian_directions at N={args.hessian_n}, {args.threads} threads: {t_h:.2f} s, "
          f"{h.hvps} Hessian-vector products ({t_h / h.hvps * 1e3:.1f} ms each, setup included); "
          f"eigenvalues {h.eigenvalues[0]:.10g}, {h.eigenvalues[1]:.10g}")  # fmt: skip
    print(f"\nend: {load_average()}; process peak RSS {peak_rss_mb():.0f} MB (naive runs included)")


if __name__ == "__main__":
    main()
