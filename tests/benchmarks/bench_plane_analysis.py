"""Exact derivatives on a plane through all weights against the naive reference (not a test).

    python tests/benchmarks/bench_plane_analysis.py [--n 1000] [--resolution 41] [--threads 2]
        [--naive-points 6]

BLAS runs one thread per worker thread, as in the workflow's jobs (OPENBLAS_NUM_THREADS=1 is
set before numpy loads unless already set).

The plane is the seed-135 initial network with directions random0 on N = --n images of the test
split. Side by side on the same points:

1. Gradient in (alpha, beta): the naive reference (whole theta assembled, a full forward and
   backward pass, the gradient dotted with d1 and d2) on --naive-points points, against
   PlaneSurface.cost_grad (one backward pass on blocks, the first layer's products once) on the
   whole --resolution grid; per point and extrapolated to the grid, checked to 1e-10.
2. Hessian in (alpha, beta): the naive reference (complex steps of the whole gradient along d1
   and d2) against PlaneSurface.cost_grad_hess (second-order forward jets) per point, checked to
   1e-9 relative.
3. For scale: the plane grid of J alone (PlaneSurface.grid_values) per point, and a whole
   critical-points and plateaus analysis of the grid (what the workflow's two jobs compute).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from common import test_split_paths  # noqa: E402

from losslandscape.data.idx import load_split  # noqa: E402
from losslandscape.landscape.analysis import critical_points  # noqa: E402
from losslandscape.landscape.directions import random_directions  # noqa: E402
from losslandscape.landscape.plane import PlaneSurface  # noqa: E402
from losslandscape.network.model import (
    flatten,  # noqa: E402
    init_weights,  # noqa: E402
)
from losslandscape.reference import naive_plane_derivatives  # noqa: E402

SEED, HIDDEN = 135, [50, 500]


def main() -> None:
    """Time and check the naive reference and the plane engine side by side; print ratios."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--resolution", type=int, default=41)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--naive-points", type=int, default=6)
    args = ap.parse_args()
    x, y = load_split(*test_split_paths(), args.n)
    centre = flatten(init_weights(SEED, HIDDEN))
    d1, d2 = random_directions(0, centre, HIDDEN)
    axis = np.linspace(-1.0, 1.0, args.resolution)
    m1, m2 = np.meshgrid(axis, axis)
    us, vs = m1.ravel(), m2.ravel()
    pick = np.linspace(0, us.shape[0] - 1, args.naive_points).round().astype(int)
    points = us.shape[0]
    print(f"plane init-random0, N = {args.n}, {args.resolution}x{args.resolution} grid, "
          f"{args.threads} threads")  # fmt: skip

    t0 = time.perf_counter()
    naive = [naive_plane_derivatives(centre, d1, d2, us[i], vs[i], x, y, HIDDEN) for i in pick]
    t_naive = (time.perf_counter() - t0) / len(pick)  # gradient and Hessian per point
    surface = PlaneSurface(centre, d1, d2, x, y, HIDDEN, threads=args.threads)

    t0 = time.perf_counter()
    cost, grad = surface.cost_grad(us, vs)
    t_grad = (time.perf_counter() - t0) / points
    t0 = time.perf_counter()
    _, grad_h, hess = surface.cost_grad_hess(us[pick], vs[pick])
    t_hess = (time.perf_counter() - t0) / len(pick)
    t0 = time.perf_counter()
    surface.grid_values(axis, axis)
    t_values = (time.perf_counter() - t0) / points

    worst_g = max(float(np.abs(grad[i] - w[1]).max()) for i, w in zip(pick, naive, strict=True))
    worst_h = max(
        float(np.abs(hess[k] - w[2]).max() / max(1.0, np.abs(w[2]).max()))
        for k, w in enumerate(naive)
    )
    assert worst_g < 1e-10 and worst_h < 1e-9, (worst_g, worst_h)
    t_naive_grad = _naive_gradient_time(centre, d1, d2, us[pick], vs[pick], x, y)
    print(f"  gradient: naive {1e3 * t_naive_grad:.1f} ms a point, engine "
          f"{1e3 * t_grad:.2f} ms a point: {t_naive_grad / t_grad:.1f}x faster; the grid in "
          f"{t_grad * points:.1f} s (naive {t_naive_grad * points:.0f} s); max difference "
          f"{worst_g:.1e}")  # fmt: skip
    print(f"  Hessian: naive {1e3 * t_naive:.1f} ms a point (gradient and complex steps), engine "
          f"{1e3 * t_hess:.1f} ms: {t_naive / t_hess:.1f}x faster; max relative difference "
          f"{worst_h:.1e}")  # fmt: skip
    print(
        f"  J alone (the plane grid): {1e3 * t_values:.2f} ms a point; the gradient costs "
        f"{t_grad / t_values:.1f} times as much, the Hessian {t_hess / t_values:.0f} times"
    )

    t0 = time.perf_counter()
    derivatives = surface.grid_derivatives(axis, axis, hessian=False)
    t_seed = time.perf_counter() - t0
    frame = critical_points(surface, axis, axis, derivatives=derivatives)
    t_crit = time.perf_counter() - t0
    print(
        f"  analysis of the grid: gradient grid {t_seed:.1f} s, with critical points "
        f"{t_crit:.1f} s ({len(frame)} found: {dict(frame['kind'].value_counts())})"
    )


def _counts(frame) -> str:  # noqa: ANN001 (a pandas frame)
    """Critical points by kind, e.g. "5 minimum, 9 saddle"."""
    counts = frame["kind"].value_counts()
    return ", ".join(f"{int(k)} {kind}" for kind, k in counts.items())


def _naive_gradient_time(
    centre: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    us: np.ndarray,
    vs: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
) -> float:
    """Seconds a point of the naive gradient: theta assembled, full forward and backward pass."""
    from losslandscape.reference import naive_gradients, naive_unflatten

    t0 = time.perf_counter()
    for u, v in zip(us, vs, strict=True):
        grads, _ = naive_gradients(naive_unflatten(centre + u * d1 + v * d2, HIDDEN), x, y)
        g = 2.0 * np.concatenate([gl.ravel() for gl in grads])
        _ = (d1 @ g, d2 @ g)
    return (time.perf_counter() - t0) / len(us)


if __name__ == "__main__":
    main()
