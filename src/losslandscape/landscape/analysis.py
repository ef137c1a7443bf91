"""Critical points, plateaus and basins of attraction of a two-coordinate landscape (a Surface).

Everything here is exact: the gradient and Hessian of J come from the surface (second-order
forward propagation; a plane's gradient by backprop: landscape.surface), never from finite
differences. Critical points are seeded from the grid and refined by a Levenberg-Marquardt
(damped Newton) iteration on the gradient, kept inside the grid's range. Basins run one
optimizer from every grid point at once, vectorised over starts, with the surface's own batch
kernel (Surface.batch_cost_and_grad). Tables name the coordinates as the surface does: (w_a, w_b)
for a pair, (alpha, beta) for a plane.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .. import progress
from ..optimizers import make_step
from .surface import PAIR_COORDINATES, GridDerivatives, Surface

#: the values of critical_points' `kind` column
KINDS = ("minimum", "maximum", "saddle", "degenerate")
#: critical_points' columns after the two coordinates (named as the surface names them)
CRITICAL_VALUES = ["cost", "grad_norm", "eig_min", "eig_max", "kind"]
#: critical_points' columns on a pair landscape
CRITICAL_COLUMNS = [*PAIR_COORDINATES, *CRITICAL_VALUES]
BASIN_COLUMNS = ["start_a", "start_b", "end_a", "end_b", "final_cost", "diverged", "minimum"]


# ---------------------------------------------------------------------- plateaus
def plateau_mask(grad_norm_grid: np.ndarray, threshold: float) -> np.ndarray:
    """Where the gradient norm of J is below `threshold`: the landscape's plateaus (same shape)."""
    return np.asarray(grad_norm_grid) < float(threshold)


def plateau_share(mask: np.ndarray) -> float:
    """Share of grid points on a plateau, in [0, 1]."""
    mask = np.asarray(mask, dtype=bool)
    return float(mask.mean()) if mask.size else 0.0


# ---------------------------------------------------------------------- critical points
def critical_points(
    surface: Surface,
    a_values: np.ndarray,
    b_values: np.ndarray,
    grid_cost: np.ndarray | None = None,
    tol: float = 1e-10,
    *,
    derivatives: GridDerivatives | None = None,
    eig_rtol: float = 1e-6,
    step_tol: float | None = None,
    merge_dist: float | None = None,
    max_iter: int = 100,
) -> pd.DataFrame:
    """Stationary points of J inside the grid's range, refined to |grad J| < tol and classified.

    Seeds: grid cells where both gradient components change sign among the corners, and grid
    points that are local minima or maxima of J or local minima of |grad J|. Each seed is
    refined by Levenberg-Marquardt on grad J = 0 (damped Newton: the damping falls to zero near
    a root, so convergence is quadratic), clipped to the grid's box.

    An eigenvalue counts as zero below eig_rtol times the largest Hessian eigenvalue magnitude
    seen on the grid and at the refined points (at the refined points only when the surface
    gives the grid's gradient without its Hessian, as planes do: landscape.plane). A
    refined point is kept when |grad J| < tol, its Newton step (over the nonzero eigenvalues)
    is shorter than step_tol (default 1e-3 of the smaller grid step) and
    the Hessian is not all zero. The last two reject points of plateaus, where the gradient is
    tiny without vanishing (the Newton step is long: the root lies far away or nowhere) or
    the landscape is flat to float64 precision; plateau_mask reports those regions. A point with
    a zero eigenvalue is `degenerate` (e.g. on a line of minima). Points closer than
    merge_dist (default 1e-4 of the larger grid span) are merged. Rows are sorted by cost,
    then the first coordinate, then the second; the index numbers them from 0. The coordinate
    columns are named as the surface's coordinates.
    """
    a_values = np.asarray(a_values, dtype=np.float64)
    b_values = np.asarray(b_values, dtype=np.float64)
    na, nb = a_values.shape[0], b_values.shape[0]
    names = surface.coordinates
    if derivatives is None:
        derivatives = surface.grid_derivatives(a_values, b_values, hessian=False)
    d = derivatives
    cost = np.asarray(grid_cost if grid_cost is not None else d.cost, dtype=np.float64)
    lo = np.array([a_values.min(), b_values.min()])
    hi = np.array([a_values.max(), b_values.max()])
    span = float(max(np.max(hi - lo), np.finfo(float).tiny))
    merge = 1e-4 * span if merge_dist is None else float(merge_dist)
    if step_tol is None:
        steps = [np.min(np.diff(np.unique(x))) for x in (a_values, b_values) if np.ptp(x) > 0]
        step_tol = 1e-3 * float(min(steps)) if steps else 1e-3 * span
    seeds = _seeds(a_values, b_values, cost.reshape(nb, na), d.grad.reshape(nb, na, 2))
    grid_scale = 0.0
    if d.hess is not None:
        ok = np.all(np.isfinite(d.hess), axis=(1, 2))
        grid_scale = float(np.max(np.abs(np.linalg.eigvalsh(d.hess[ok])), initial=0.0))
    if seeds.shape[0] == 0:
        empty = np.empty(0)
        return _critical_frame(names, np.empty((0, 2)), *[empty] * 4, np.empty(0, dtype=object))
    x, j, g, h = _refine(surface, seeds, lo, hi, tol, max_iter)
    finite = np.all(np.isfinite(h), axis=(1, 2)) & np.all(np.isfinite(g), axis=1)
    h = np.where(finite[:, None, None], h, 0.0)
    eig, vec = np.linalg.eigh(h)  # ascending eigenvalues
    gn = np.hypot(g[:, 0], g[:, 1])
    scale = max(grid_scale, float(np.max(np.abs(eig), initial=0.0)))
    thr = eig_rtol * scale
    big = np.max(np.abs(eig), axis=1)
    along = np.einsum("kji,kj->ki", vec, np.where(finite[:, None], g, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        newton = np.where(np.abs(eig) > thr, along / eig, 0.0)
    keep = finite & (gn < tol) & (big > thr) & (np.hypot(newton[:, 0], newton[:, 1]) < step_tol)
    order = np.lexsort((x[:, 1], x[:, 0], gn))  # best-converged representative first
    chosen: list[int] = []
    for k in order:
        if keep[k] and all(np.hypot(*(x[k] - x[c])) > merge for c in chosen):
            chosen.append(int(k))
    sel = np.array(chosen, dtype=np.intp)
    lo_e, hi_e = eig[sel, 0], eig[sel, 1]
    kind = np.full(sel.shape[0], "degenerate", dtype=object)
    kind[(lo_e > thr) & (hi_e > thr)] = "minimum"
    kind[(lo_e < -thr) & (hi_e < -thr)] = "maximum"
    kind[(lo_e < -thr) & (hi_e > thr)] = "saddle"
    return _critical_frame(names, x[sel], j[sel], gn[sel], lo_e, hi_e, kind)


def _critical_frame(
    names: tuple[str, str],
    x: np.ndarray,
    cost: np.ndarray,
    gn: np.ndarray,
    eig_min: np.ndarray,
    eig_max: np.ndarray,
    kind: np.ndarray,
) -> pd.DataFrame:
    """The critical-point table, rows sorted by (cost, first, second coordinate), index 0..K-1."""
    order = np.lexsort((x[:, 1], x[:, 0], cost))
    frame = pd.DataFrame(
        {
            names[0]: x[order, 0].astype(np.float64),
            names[1]: x[order, 1].astype(np.float64),
            "cost": cost[order].astype(np.float64),
            "grad_norm": gn[order].astype(np.float64),
            "eig_min": eig_min[order].astype(np.float64),
            "eig_max": eig_max[order].astype(np.float64),
            "kind": pd.Series(kind[order], dtype=object),
        }
    )
    return frame[[*names, *CRITICAL_VALUES]]


def _local_extrema(values: np.ndarray, mode: str) -> np.ndarray:
    """Grid points no larger (min) / no smaller (max) than their 8 neighbours, not all equal."""
    pad = np.inf if mode == "min" else -np.inf
    v = np.pad(values, 1, constant_values=pad)
    nb, na = values.shape
    neigh = np.stack(
        [
            v[1 + di : 1 + di + nb, 1 + dj : 1 + dj + na]
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            if (di, dj) != (0, 0)
        ]
    )
    finite = np.isfinite(neigh)
    if mode == "min":
        ok = np.all(values <= neigh, axis=0)
    else:
        ok = np.all(values >= neigh, axis=0)
    differs = np.any(finite & (neigh != values), axis=0)
    return ok & differs & np.isfinite(values)


def _seeds(
    a_values: np.ndarray, b_values: np.ndarray, cost: np.ndarray, grad: np.ndarray
) -> np.ndarray:
    """Starting points for refinement, (K, 2), unique and in a deterministic order."""
    pts: list[np.ndarray] = []
    if a_values.shape[0] > 1 and b_values.shape[0] > 1:
        corners = np.stack([grad[:-1, :-1], grad[:-1, 1:], grad[1:, :-1], grad[1:, 1:]])
        change = np.all((corners.min(axis=0) <= 0) & (corners.max(axis=0) >= 0), axis=-1)
        jb, ia = np.nonzero(change)
        pts.append(
            np.column_stack(
                [(a_values[ia] + a_values[ia + 1]) / 2, (b_values[jb] + b_values[jb + 1]) / 2]
            )
        )
    gn = np.hypot(grad[..., 0], grad[..., 1])
    masks = (_local_extrema(cost, "min"), _local_extrema(cost, "max"), _local_extrema(gn, "min"))
    for mask in masks:
        jb, ia = np.nonzero(mask)
        pts.append(np.column_stack([a_values[ia], b_values[jb]]))
    allpts = np.concatenate(pts) if pts else np.empty((0, 2))
    return np.unique(allpts, axis=0)


def _refine(
    surface: Surface,
    x0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Levenberg-Marquardt on grad J = 0 for all seeds at once, inside the box [lo, hi].

    Step d solves (H^2 + lam I) d = -H g with lam = mu * |H|_F^2: mu -> 0 is Newton's step,
    large mu a short step down |g|^2. A trial is accepted when |g| decreases (mu / 10), else
    mu * 10. A seed stops once |g| < tol / 1000 (polished), mu > 1e8 (no progress), or when,
    still above tol, |g| has not halved over the last `check` iterations (it sits in a local
    minimum of |g| that is not a root, or crawls along a plateau: near a root, convergence is
    quadratic).

    Where the Hessian is costly (surface.cheap_hessian False: planes), trials are judged on J
    and the gradient alone (surface.cost_grad) and the Hessian is taken at accepted ones only.
    """
    x = np.clip(np.array(x0, dtype=np.float64), lo, hi)
    j, g, h = surface.cost_grad_hess(x[:, 0], x[:, 1])
    gn = np.hypot(g[:, 0], g[:, 1])
    mu = np.full(x.shape[0], 1e-3)
    polish = tol * 1e-3
    active = (gn >= polish) & np.isfinite(gn)
    eye = np.eye(2)
    check = 10
    before = gn.copy()
    for it in range(1, max_iter + 1):
        idx = np.flatnonzero(active)
        if idx.shape[0] == 0:
            break
        hs, gs = h[idx], g[idx]
        lam = mu[idx] * (np.einsum("kij,kij->k", hs, hs) + 1e-300)
        lhs = np.matmul(hs, hs) + lam[:, None, None] * eye
        rhs = -np.einsum("kij,kj->ki", hs, gs)
        step = np.linalg.solve(lhs, rhs[..., None])[..., 0]
        xt = np.clip(x[idx] + step, lo, hi)
        if surface.cheap_hessian:
            jt, gt, ht = surface.cost_grad_hess(xt[:, 0], xt[:, 1])
        else:
            jt, gt = surface.cost_grad(xt[:, 0], xt[:, 1])
        gnt = np.hypot(gt[:, 0], gt[:, 1])
        better = gnt < gn[idx]
        acc = idx[better]
        x[acc], j[acc], g[acc], gn[acc] = xt[better], jt[better], gt[better], gnt[better]
        if surface.cheap_hessian:
            h[acc] = ht[better]
        elif acc.shape[0]:
            h[acc] = surface.cost_grad_hess(xt[better, 0], xt[better, 1])[2]
        mu[acc] = np.maximum(mu[acc] / 10.0, 1e-15)
        mu[idx[~better]] *= 10.0
        active[idx] = (gn[idx] >= polish) & (mu[idx] <= 1e8)
        if it % check == 0:
            active &= ~((gn >= tol) & (gn > 0.5 * before))
            before = gn.copy()
    return x, j, g, h


# ---------------------------------------------------------------------- basins of attraction
def basins(
    surface: Surface,
    optimizer: str,
    constants: dict[str, float],
    a_values: np.ndarray,
    b_values: np.ndarray,
    epochs: int,
    critical: pd.DataFrame | None = None,
    *,
    match_tol: float | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run `optimizer` for `epochs` from every grid point at once; where each start ended.

    Starts are numpy.meshgrid(a_values, b_values) raveled (first coordinate fastest). Each
    start follows trajectory.run_trajectory exactly (gradient of J/2, same stop on a non-finite
    weight, cost or gradient: then `diverged` is True and the end is that state). `minimum` is
    the index label in `critical` of the nearest point of kind minimum within match_tol
    (default: the larger grid step) of the end point, -1 if none. Starts run in fixed blocks,
    each block on its own optimizer state, spread over `threads` (default surface.threads)
    threads; a start's result does not depend on the number of threads.
    """
    a_values = np.asarray(a_values, dtype=np.float64)
    b_values = np.asarray(b_values, dtype=np.float64)
    m1, m2 = np.meshgrid(a_values, b_values)
    u0, v0 = m1.ravel(), m2.ravel()
    n_threads = surface.threads if threads is None else max(1, int(threads))
    fn, p_block = surface.batch_cost_and_grad()
    blocks = [slice(k, k + p_block) for k in range(0, u0.shape[0], p_block)]

    def run(sl: slice) -> tuple[np.ndarray, ...]:
        out = _run_block(fn, optimizer, constants, u0[sl], v0[sl], epochs)
        progress.advance()
        return out

    progress.expect(len(blocks))

    if n_threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(n_threads) as pool:
            parts = list(pool.map(run, blocks))
    else:
        parts = [run(b) for b in blocks]
    end_a, end_b, final_cost, diverged = (np.concatenate(c) for c in zip(*parts, strict=True))
    minimum = nearest_minimum(
        end_a, end_b, diverged, critical, surface.coordinates, a_values, b_values, match_tol
    )
    return pd.DataFrame(
        {
            "start_a": u0,
            "start_b": v0,
            "end_a": end_a,
            "end_b": end_b,
            "final_cost": final_cost,
            "diverged": diverged,
            "minimum": minimum,
        }
    )[BASIN_COLUMNS]


def _run_block(
    fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
    optimizer: str,
    constants: dict[str, float],
    u0: np.ndarray,
    v0: np.ndarray,
    epochs: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """run_trajectory for many starts at once: end points, final costs, divergence flags."""
    step_a = make_step(optimizer, constants)
    step_b = make_step(optimizer, constants)
    u, v = u0.copy(), v0.copy()
    n = u.shape[0]
    end_a, end_b = np.empty(n), np.empty(n)
    final = np.full(n, np.nan)
    diverged = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(epochs + 1):
            bad_w = alive & ~(np.isfinite(u) & np.isfinite(v))
            if bad_w.any():
                end_a[bad_w], end_b[bad_w], final[bad_w] = u[bad_w], v[bad_w], np.nan
                diverged |= bad_w
                alive &= ~bad_w
            if not alive.any():
                break
            all_alive = bool(alive.all())
            pu = u if all_alive else np.where(alive, u, 0.0)
            pv = v if all_alive else np.where(alive, v, 0.0)
            cost, ga, gb = fn(pu, pv)
            bad = alive & ~(np.isfinite(cost) & np.isfinite(ga) & np.isfinite(gb))
            if bad.any():
                end_a[bad], end_b[bad], final[bad] = u[bad], v[bad], cost[bad]
                diverged |= bad
                alive &= ~bad
            if k == epochs:
                end_a[alive], end_b[alive], final[alive] = u[alive], v[alive], cost[alive]
                break
            if not alive.all():
                ga = np.where(alive, ga, 0.0)
                gb = np.where(alive, gb, 0.0)
            u, v = step_a(u, ga, k + 1), step_b(v, gb, k + 1)
    return end_a, end_b, final, diverged


def nearest_minimum(
    end_a: np.ndarray,
    end_b: np.ndarray,
    diverged: np.ndarray,
    critical: pd.DataFrame | None,
    names: tuple[str, str],
    a_values: np.ndarray,
    b_values: np.ndarray,
    match_tol: float | None,
) -> np.ndarray:
    """Index label of the nearest minimum within match_tol of each end point, -1 if none."""
    out = np.full(end_a.shape[0], -1, dtype=np.int64)
    if critical is None or critical.empty:
        return out
    minima = critical[critical["kind"] == "minimum"]
    if minima.empty:
        return out
    if match_tol is None:
        steps = [np.max(np.diff(np.sort(x))) for x in (a_values, b_values) if x.shape[0] > 1]
        match_tol = float(max(steps)) if steps else 0.0
    ma = minima[names[0]].to_numpy()
    mb = minima[names[1]].to_numpy()
    labels = minima.index.to_numpy().astype(np.int64)
    for k0 in range(0, end_a.shape[0], 4096):
        sl = slice(k0, k0 + 4096)
        dist = np.hypot(end_a[sl, None] - ma[None, :], end_b[sl, None] - mb[None, :])
        near = np.argmin(dist, axis=1)
        ok = (dist[np.arange(dist.shape[0]), near] <= match_tol) & ~diverged[sl]
        out[sl] = np.where(ok, labels[near], -1)
    return out
