"""Sharpness and spectra of the default runs against the runs themselves (not a test).

    python tests/benchmarks/bench_sharpness.py [--n 1000] [--epochs 2000] [--snapshots 100]
        [--naive-every 10] [--repeats 3]

One BLAS thread, as in the workflow's jobs. For each default run (sgd lr 0.5; adam lr 0.001,
eps 1e-8; scaled initial network of seed 135, full batch, the first N test images):

1. the run itself (`train`), CPU seconds;
2. sharpness at every snapshot (the top 2 eigenvalues of the Hessian of J/2, Lanczos warm-started
   from the previous snapshot), CPU seconds and Hessian-vector products, and its ratio to the
   run: the issue's budget is a ratio of at most 1;
3. the naive reference on every --naive-every-th snapshot: SciPy's ARPACK (`eigsh`, which="LA",
   tol 1e-10) from a fresh random start at each snapshot on the same exact products, checked
   against the engine (1e-8 relative) and timed per snapshot;
4. the default spectrum (4 probes x 80 Lanczos steps at the first and last snapshot).

Run, sharpness and spectrum alternate --repeats times and each time is the median (a shared
machine's speed drifts by 10-20% over minutes); the products and values are the same each time.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from common import test_split_paths  # noqa: E402
from scipy.sparse.linalg import LinearOperator, eigsh  # noqa: E402

from losslandscape.data.idx import load_split  # noqa: E402
from losslandscape.network.curvature import Curvature  # noqa: E402
from losslandscape.network.model import flatten, init_weights  # noqa: E402
from losslandscape.network.spectrum import hessian_half, sharpness, spectrum  # noqa: E402
from losslandscape.network.training import snapshot_epochs, train  # noqa: E402

HIDDEN = [50, 500]
RUNS = {"sgd": ("sgd", {"lr": 0.5}), "adam": ("adam", {"lr": 0.001, "eps": 1e-8})}


def cpu() -> float:
    """This process's CPU seconds."""
    return time.process_time()


def main() -> None:
    """Train, measure, compare; print one block per run and the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=2000)
    ap.add_argument("--snapshots", type=int, default=100)
    ap.add_argument("--naive-every", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    x, y = load_split(*test_split_paths(), args.n)
    theta0 = flatten(init_weights(135, HIDDEN, "scaled"))
    kept = snapshot_epochs(args.epochs, args.snapshots)
    totals = {"train": 0.0, "sharpness": 0.0, "spectrum": 0.0}
    for name, (optimizer, constants) in RUNS.items():
        times: dict[str, list[float]] = {"train": [], "sharpness": [], "spectrum": []}
        for _ in range(max(1, args.repeats)):
            t0 = cpu()
            run = train(theta0, x, y, HIDDEN, optimizer, constants, args.epochs, kept)
            times["train"].append(cpu() - t0)
            thetas, epochs = np.asarray(run.snapshots), np.asarray(run.snapshot_epochs)
            t0 = cpu()
            got = sharpness(thetas, epochs, x, y, HIDDEN, 2, seed=135)
            times["sharpness"].append(cpu() - t0)
            t0 = cpu()
            for k in (0, len(thetas) - 1):
                spectrum(thetas[k], int(epochs[k]), x, y, HIDDEN, 135, probes=4, steps=80)
            times["spectrum"].append(cpu() - t0)
        t_train, t_sharp, t_spec = (float(np.median(times[k])) for k in times)
        naive_t, naive_products, worst = 0.0, 0, 0.0
        picked = range(0, len(thetas), args.naive_every)
        for i in picked:
            t0 = cpu()
            curv = Curvature(thetas[i], x, y, HIDDEN, 1)
            p = thetas.shape[1]
            op = LinearOperator((p, p), matvec=hessian_half(curv), dtype=np.float64)
            start = np.random.default_rng(i).standard_normal(p)
            values = np.sort(eigsh(op, k=2, which="LA", tol=1e-10, v0=start)[0])[::-1]
            naive_t += cpu() - t0
            naive_products += curv.count
            worst = max(worst, float(np.max(np.abs(values - got.values[i]) / np.abs(values))))
        assert worst < 1e-8, f"engine and ARPACK differ by {worst:.2e} (relative)"
        per_naive = naive_t / len(picked)
        per_engine = t_sharp / len(thetas)
        print(f"{name}: {args.epochs} epochs, N = {args.n}, {len(thetas)} snapshots, medians of "
              f"{len(times['train'])}")  # fmt: skip
        print(f"  run            {t_train:7.2f} s CPU")
        exact, single = got.products.sum(), got.start_products.sum()
        print(f"  sharpness      {t_sharp:7.2f} s CPU, {exact} exact products and {single} in "
              f"float32 ({exact / len(thetas):.1f} + {single / len(thetas):.1f} per snapshot), "
              f"{t_sharp / t_train:.2f} x the run")  # fmt: skip
        print(f"  naive (ARPACK, cold) {per_naive:.3f} s and "
              f"{naive_products / len(picked):.1f} products per snapshot on {len(picked)} "
              f"snapshots; engine {per_engine:.3f} s: {per_naive / per_engine:.2f} x faster; "
              f"largest difference {worst:.1e}")  # fmt: skip
        print(f"  spectrum       {t_spec:7.2f} s CPU (2 snapshots x 4 probes x 80 steps), "
              f"{t_spec / t_train:.2f} x the run")  # fmt: skip
        totals["train"] += t_train
        totals["sharpness"] += t_sharp
        totals["spectrum"] += t_spec
    print(f"both runs: sharpness / runs = {totals['sharpness'] / totals['train']:.2f}, "
          f"spectra / runs = {totals['spectrum'] / totals['train']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
