"""Critical points, plateaus and basins of attraction of a two-weight landscape.

Everything here is exact: the gradient and Hessian of J come from forward-mode second-order
propagation through the part of the network that PairSlice recomputes (value, two first and
three second derivatives per varying unit), never from finite differences. Critical points are
seeded from the grid and refined by a Levenberg-Marquardt (damped Newton) iteration on the
gradient, kept inside the grid's range. Basins run one optimizer from every grid point at once,
vectorised over starts; output-layer pairs with one-hot targets take a dedicated exact path.

Derivatives are taken in the user's (w_a, w_b) order whatever order PairSlice keeps internally.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine import PairSlice, _Block
from .network import sigmoid_
from .optimizers import make_step

#: the values of critical_points' `kind` column
KINDS = ("minimum", "maximum", "saddle", "degenerate")
CRITICAL_COLUMNS = ["w_a", "w_b", "cost", "grad_norm", "eig_min", "eig_max", "kind"]
BASIN_COLUMNS = ["start_a", "start_b", "end_a", "end_b", "final_cost", "diverged", "minimum"]

# a jet: [value, d/dp, d/dq, d2/dp2, d2/dpdq, d2/dq2] in PairSlice's internal (first, second)
# order; None stands for an exact zero, so derivatives that cannot be reached cost nothing
_Jet = list[np.ndarray | None]


# ---------------------------------------------------------------------- cost, gradient, Hessian
def cost_grad_hess(
    slice_: PairSlice, u: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """J, its exact gradient (P, 2) and Hessian (P, 2, 2) in (w_a, w_b) at points (u[p], v[p])."""
    sums = _derivative_sums(slice_, u, v, None)
    return _from_sums(sums, slice_.n)


def _from_sums(sums: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(6, P) sums [E, Ea, Eb, Eaa, Eab, Ebb] over samples -> J, gradient, Hessian of J."""
    s = sums / n
    grad = np.stack([s[1], s[2]], axis=-1)
    hess = np.empty((s.shape[1], 2, 2))
    hess[:, 0, 0] = s[3]
    hess[:, 0, 1] = hess[:, 1, 0] = s[4]
    hess[:, 1, 1] = s[5]
    return s[0], grad, hess


def _derivative_sums(
    slice_: PairSlice, u: np.ndarray, v: np.ndarray, idx: np.ndarray | None
) -> np.ndarray:
    """Sums over samples idx (all when None) of the squared error and its derivatives, (6, P).

    Points and derivatives are in the user's (w_a, w_b) order. With idx None, samples that
    depend on neither weight contribute only their (constant) cost.
    """
    p, q = slice_._ordered(u, v)
    out = np.zeros((6, p.shape[0]))
    if idx is None:
        g = slice_.groups
        active = np.sort(np.concatenate([g.only_a, g.only_b, g.both]))
        if g.none.shape[0] and p.shape[0]:
            out[0] += slice_._sums(p[:1], q[:1], g.none)[0]
    else:
        active = np.asarray(idx)
    if active.shape[0] and p.shape[0]:
        for blk, p_step in slice_._blocks(p.shape[0], active):
            for p0 in range(0, p.shape[0], p_step):
                sl = slice(p0, p0 + p_step)
                out[:, sl] += _block_sums(slice_, p[sl], q[sl], blk)
    if slice_.swapped:  # internal (first, second) = user (w_b, w_a)
        out = out[[0, 2, 1, 5, 4, 3]]
    return out


def _block_sums(sl: PairSlice, p: np.ndarray, q: np.ndarray, blk: _Block) -> np.ndarray:
    """Forward-mode pass over one sample block: (6, P) sums in internal order.

    Each jet component is at most one PairSlice working array, so memory stays bounded by
    about a dozen times chunk_elements float64 values whatever the grid and N.

    Mirrors PairSlice._forward: the varying rows of the lower layer, then layer la+1 from its
    frozen part, then the dense layers; the second weight adds q * (its input unit) to its row.
    """
    la, s = sl.first.layer, sl.second
    nr, m = len(sl.rows), blk.m
    z0 = np.empty((p.shape[0], nr, m))
    z0[:] = blk.zt_rows
    z0[:, 0, :] += np.multiply.outer(p, blk.h_first)
    zp = np.zeros((1, nr, m))
    zp[0, 0] = blk.h_first
    zq = None
    if blk.h_second is not None:  # both weights in layer la
        r = sl.rows.index(s.row)
        z0[:, r, :] += np.multiply.outer(q, blk.h_second)
        zq = np.zeros((1, nr, m))
        zq[0, r] = blk.h_second
    rows = _sigmoid_jet([z0, zp, zq, None, None, None])
    if la == sl.last:
        out = _squared_error_sums(rows, blk.y)
        out[0] += float(np.sum(blk.k_const))
        return out
    jet = _linear_jet(sl.w_rows, rows)
    jet[0] += blk.c_next
    if s.layer == la + 1:
        if s.col in sl.rows:
            r = sl.rows.index(s.col)
            col = [c[:, r, :] if c is not None else None for c in rows]
        else:
            col = [blk.frozen_col[None, :], None, None, None, None, None]
        _add_second_weight(jet, s.row, q, col)
    jet = _sigmoid_jet(jet)
    for k in range(la + 2, sl.last + 1):
        nxt = _linear_jet(sl.wt[k], jet)
        if s.layer == k:
            col = [c[:, s.col, :] if c is not None else None for c in jet]
            _add_second_weight(nxt, s.row, q, col)
        jet = _sigmoid_jet(nxt)
    return _squared_error_sums(jet, blk.y)


def _linear_jet(w: np.ndarray, jet: _Jet) -> _Jet:
    """W @ jet, component by component (a constant matrix commutes with differentiation)."""
    return [None if c is None else np.matmul(w, c) for c in jet]


def _add_second_weight(z: _Jet, row: int, q: np.ndarray, col: _Jet) -> None:
    """z[row] += q * col in place, with the product rule for the derivatives in q."""
    shape = z[0].shape
    qc = q[:, None]
    c0, cp, cq, cpp, cpq, cqq = col

    def add(k: int, term: np.ndarray | None) -> None:
        if term is None:
            return
        if z[k] is None or z[k].shape != shape:
            z[k] = np.zeros(shape) if z[k] is None else np.broadcast_to(z[k], shape).copy()
        z[k][:, row, :] += term

    add(0, qc * c0)
    add(1, None if cp is None else qc * cp)
    add(2, c0 + (0.0 if cq is None else qc * cq))
    add(3, None if cpp is None else qc * cpp)
    add(4, None if cp is None else cp + (0.0 if cpq is None else qc * cpq))
    add(5, None if cq is None else 2.0 * cq + (0.0 if cqq is None else qc * cqq))


def _sigmoid_jet(z: _Jet) -> _Jet:
    """sigmoid of a jet: s' = s(1-s), s'' = s'(1-2s), chain rule to second order (consumes z)."""
    a = sigmoid_(z[0])
    s1 = a * (1.0 - a)
    s2 = s1 * (1.0 - 2.0 * a)
    _, zp, zq, zpp, zpq, zqq = z

    def second(
        x: np.ndarray | None, y: np.ndarray | None, zxy: np.ndarray | None
    ) -> np.ndarray | None:
        out = None if x is None or y is None else s2 * x * y
        if zxy is not None:
            out = s1 * zxy if out is None else out + s1 * zxy
        return out

    return [
        a,
        None if zp is None else s1 * zp,
        None if zq is None else s1 * zq,
        second(zp, zp, zpp),
        second(zp, zq, zpq),
        second(zq, zq, zqq),
    ]


def _squared_error_sums(jet: _Jet, y: np.ndarray) -> np.ndarray:
    """(6, P) sums over units and samples of (a - y)^2 and its derivatives."""
    a, ap, aq, app, apq, aqq = jet
    e = a - y
    out = np.zeros((6, a.shape[0]))

    def dot(x: np.ndarray | None, z: np.ndarray | None) -> np.ndarray | float:
        if x is None or z is None:
            return 0.0
        return np.einsum("pom,pom->p", np.broadcast_to(x, a.shape), np.broadcast_to(z, a.shape))

    out[0] = dot(e, e)
    out[1] = 2.0 * dot(e, ap)
    out[2] = 2.0 * dot(e, aq)
    out[3] = 2.0 * (dot(ap, ap) + dot(e, app))
    out[4] = 2.0 * (dot(ap, aq) + dot(e, apq))
    out[5] = 2.0 * (dot(aq, aq) + dot(e, aqq))
    return out


@dataclass
class GridDerivatives:
    """J, gradient (G, 2) and Hessian (G, 2, 2) of J on a grid, raveled (w_a fastest)."""

    cost: np.ndarray
    grad: np.ndarray
    hess: np.ndarray
    shape: tuple[int, int]  # (len(b_values), len(a_values))

    @property
    def grad_norm(self) -> np.ndarray:
        """Euclidean norm of the gradient of J at every grid point, raveled."""
        return np.hypot(self.grad[:, 0], self.grad[:, 1])


def grid_cost_grad_hess(
    slice_: PairSlice, a_values: np.ndarray, b_values: np.ndarray
) -> GridDerivatives:
    """J, gradient and Hessian on numpy.meshgrid(a_values, b_values), raveled (w_a fastest).

    As PairSlice.grid: samples that depend on one weight only are evaluated along that axis.
    """
    a_values = np.asarray(a_values, dtype=np.float64)
    b_values = np.asarray(b_values, dtype=np.float64)
    na, nb = a_values.shape[0], b_values.shape[0]
    g = slice_.groups
    total = np.zeros((6, nb, na))
    if g.none.shape[0]:
        total[0] += slice_.cost_sums(a_values[:1], b_values[:1], g.none)[0]
    if g.only_a.shape[0]:
        total += _derivative_sums(slice_, a_values, np.full(na, b_values[0]), g.only_a)[:, None]
    if g.only_b.shape[0]:
        part = _derivative_sums(slice_, np.full(nb, a_values[0]), b_values, g.only_b)
        total += part[:, :, None]
    if g.both.shape[0]:
        m1, m2 = np.meshgrid(a_values, b_values)
        total += _derivative_sums(slice_, m1.ravel(), m2.ravel(), g.both).reshape(6, nb, na)
    cost, grad, hess = _from_sums(total.reshape(6, -1), slice_.n)
    return GridDerivatives(cost=cost, grad=grad, hess=hess, shape=(nb, na))


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
    slice_: PairSlice,
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
    seen on the grid. A refined point is kept when |grad J| < tol, its Newton step (over the
    nonzero eigenvalues) is shorter than step_tol (default 1e-3 of the smaller grid step) and
    the Hessian is not all zero. The last two reject points of plateaus, where the gradient is
    tiny without vanishing (the Newton step is long: the root lies far away or nowhere) or
    the landscape is flat to float64 precision; plateau_mask reports those regions. A point with
    a zero eigenvalue is `degenerate` (e.g. on a line of minima). Points closer than
    merge_dist (default 1e-4 of the larger grid span) are merged. Rows are sorted by cost,
    then w_a, then w_b; the index numbers them from 0.
    """
    a_values = np.asarray(a_values, dtype=np.float64)
    b_values = np.asarray(b_values, dtype=np.float64)
    na, nb = a_values.shape[0], b_values.shape[0]
    d = derivatives if derivatives is not None else grid_cost_grad_hess(slice_, a_values, b_values)
    cost = np.asarray(grid_cost if grid_cost is not None else d.cost, dtype=np.float64)
    lo = np.array([a_values.min(), b_values.min()])
    hi = np.array([a_values.max(), b_values.max()])
    span = float(max(np.max(hi - lo), np.finfo(float).tiny))
    merge = 1e-4 * span if merge_dist is None else float(merge_dist)
    if step_tol is None:
        steps = [np.min(np.diff(np.unique(x))) for x in (a_values, b_values) if np.ptp(x) > 0]
        step_tol = 1e-3 * float(min(steps)) if steps else 1e-3 * span
    seeds = _seeds(a_values, b_values, cost.reshape(nb, na), d.grad.reshape(nb, na, 2))
    ok = np.all(np.isfinite(d.hess), axis=(1, 2))
    grid_scale = float(np.max(np.abs(np.linalg.eigvalsh(d.hess[ok])), initial=0.0))
    if seeds.shape[0] == 0:
        return _critical_frame(np.empty((0, 2)), *[np.empty(0)] * 4, np.empty(0, dtype=object))
    x, j, g, h = _refine(slice_, seeds, lo, hi, tol, max_iter)
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
    return _critical_frame(x[sel], j[sel], gn[sel], lo_e, hi_e, kind)


def _critical_frame(
    x: np.ndarray,
    cost: np.ndarray,
    gn: np.ndarray,
    eig_min: np.ndarray,
    eig_max: np.ndarray,
    kind: np.ndarray,
) -> pd.DataFrame:
    """The critical-point table, rows sorted by (cost, w_a, w_b), index 0..K-1."""
    order = np.lexsort((x[:, 1], x[:, 0], cost))
    frame = pd.DataFrame(
        {
            "w_a": x[order, 0].astype(np.float64),
            "w_b": x[order, 1].astype(np.float64),
            "cost": cost[order].astype(np.float64),
            "grad_norm": gn[order].astype(np.float64),
            "eig_min": eig_min[order].astype(np.float64),
            "eig_max": eig_max[order].astype(np.float64),
            "kind": pd.Series(kind[order], dtype=object),
        }
    )
    return frame[CRITICAL_COLUMNS]


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
    slice_: PairSlice,
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
    """
    x = np.clip(np.array(x0, dtype=np.float64), lo, hi)
    j, g, h = cost_grad_hess(slice_, x[:, 0], x[:, 1])
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
        jt, gt, ht = cost_grad_hess(slice_, xt[:, 0], xt[:, 1])
        gnt = np.hypot(gt[:, 0], gt[:, 1])
        better = gnt < gn[idx]
        acc = idx[better]
        x[acc], j[acc], g[acc] = xt[better], jt[better], gt[better]
        h[acc], gn[acc] = ht[better], gnt[better]
        mu[acc] = np.maximum(mu[acc] / 10.0, 1e-15)
        mu[idx[~better]] *= 10.0
        active[idx] = (gn[idx] >= polish) & (mu[idx] <= 1e8)
        if it % check == 0:
            active &= ~((gn >= tol) & (gn > 0.5 * before))
            before = gn.copy()
    return x, j, g, h


# ---------------------------------------------------------------------- basins of attraction
class _OutputKernel:
    """Exact J and gradient of J/2 for both weights in the output layer with one-hot targets.

    Per varying output row r, z = base + p*h1 + q*h2 is linear in the weights. With s = +1
    where the target is 0 and -1 where it is 1, (y - sigmoid(z))^2 = sigmoid(s*z)^2 =: c^2 and
    d/dz of half of it is s * c^2 * (1 - c): so a whole epoch is one small matmul for -s*z, an
    exp, a reciprocal, a few products and one matmul for the two gradient sums.
    """

    def __init__(self, sl: PairSlice, chunk_elements: int) -> None:
        g = sl.groups
        active = np.sort(np.concatenate([g.only_a, g.only_b, g.both]))
        const = float(np.sum(sl.k_const[active]))
        if g.none.shape[0]:
            const += float(sl._sums(np.zeros(1), np.zeros(1), g.none)[0])
        self.const = const
        self.inv_n = 1.0 / sl.n
        self.swapped = sl.swapped
        coef, grads = [], []
        second_row = sl.rows.index(sl.second.row)
        m = active.shape[0]
        for r in range(len(sl.rows)):
            sign = 1.0 - 2.0 * sl.y_rows[r, active]
            h1 = sl.h[sl.first.col, active] if r == 0 else np.zeros(m)
            h2 = sl.h[sl.second.col, active] if r == second_row else np.zeros(m)
            coef.append(np.stack([-sign * h1, -sign * h2, -sign * sl.zt_rows[r, active]]))
            grads.append(np.column_stack([sign * h1, sign * h2]))
        c_all = np.concatenate(coef, axis=1) if coef else np.zeros((3, 0))
        g_all = np.concatenate(grads, axis=0) if grads else np.zeros((0, 2))
        width = max(c_all.shape[1], 1)
        self.m_step = max(256, min(width, chunk_elements // 64))
        self.chunks = [
            (
                np.ascontiguousarray(c_all[:, k : k + self.m_step]),
                np.ascontiguousarray(g_all[k : k + self.m_step]),
                np.ones(min(self.m_step, c_all.shape[1] - k)),
            )
            for k in range(0, c_all.shape[1], self.m_step)
        ]
        self.p_block = max(1, chunk_elements // min(self.m_step, width))

    @staticmethod
    def applies(sl: PairSlice) -> bool:
        """True for output-layer pairs whose varying targets are all 0 or 1."""
        if sl.first.layer != sl.last or sl.second.layer != sl.last:
            return False
        return bool(np.all((sl.y_rows == 0.0) | (sl.y_rows == 1.0)))

    def __call__(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J and the gradient of J/2 in (w_a, w_b) at points (u[p], v[p])."""
        p, q = (v, u) if self.swapped else (u, v)
        n_p = p.shape[0]
        w = np.column_stack([p, q, np.ones_like(p)])
        cost = np.zeros(n_p)
        grad = np.zeros((n_p, 2))
        buf_t = np.empty(n_p * self.m_step)
        buf_sq = np.empty(n_p * self.m_step)
        with np.errstate(over="ignore"):
            for c, gmat, ones in self.chunks:
                t = buf_t[: n_p * c.shape[1]].reshape(n_p, c.shape[1])
                sq = buf_sq[: n_p * c.shape[1]].reshape(n_p, c.shape[1])
                np.matmul(w, c, out=t)  # -s*z
                np.exp(t, out=t)
                t += 1.0
                np.divide(1.0, t, out=t)  # c = sigmoid(s*z)
                np.multiply(t, t, out=sq)
                cost += sq @ ones
                t *= sq
                np.subtract(sq, t, out=t)  # c^2 (1 - c)
                grad += t @ gmat
        cost = (cost + self.const) * self.inv_n
        grad *= self.inv_n
        if self.swapped:
            return cost, grad[:, 1], grad[:, 0]
        return cost, grad[:, 0], grad[:, 1]


def basins(
    slice_: PairSlice,
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

    Starts are numpy.meshgrid(a_values, b_values) raveled (w_a fastest). Each start follows
    trajectory.run_trajectory exactly (gradient of J/2, same stop on a non-finite weight, cost
    or gradient: then `diverged` is True and the end is that state). `minimum` is the index
    label in `critical` of the nearest point of kind minimum within match_tol (default: the
    larger grid step) of the end point, -1 if none. Starts run in fixed blocks, each block on
    its own optimizer state, spread over `threads` (default slice_.threads) threads; a start's
    result does not depend on the number of threads.
    """
    a_values = np.asarray(a_values, dtype=np.float64)
    b_values = np.asarray(b_values, dtype=np.float64)
    m1, m2 = np.meshgrid(a_values, b_values)
    u0, v0 = m1.ravel(), m2.ravel()
    n_threads = slice_.threads if threads is None else max(1, int(threads))
    fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
    if _OutputKernel.applies(slice_):
        kernel = _OutputKernel(slice_, max(slice_.chunk_elements, 4 * 65_536))
        fn, p_block = kernel, kernel.p_block
    else:
        fn, p_block = slice_.cost_and_grad, 256
    blocks = [slice(k, k + p_block) for k in range(0, u0.shape[0], p_block)]

    def run(sl: slice) -> tuple[np.ndarray, ...]:
        return _run_block(fn, optimizer, constants, u0[sl], v0[sl], epochs)

    if n_threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(n_threads) as pool:
            parts = list(pool.map(run, blocks))
    else:
        parts = [run(b) for b in blocks]
    end_a, end_b, final_cost, diverged = (np.concatenate(c) for c in zip(*parts, strict=True))
    minimum = _nearest_minimum(end_a, end_b, diverged, critical, a_values, b_values, match_tol)
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


def _nearest_minimum(
    end_a: np.ndarray,
    end_b: np.ndarray,
    diverged: np.ndarray,
    critical: pd.DataFrame | None,
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
    ma = minima["w_a"].to_numpy()
    mb = minima["w_b"].to_numpy()
    labels = minima.index.to_numpy().astype(np.int64)
    for k0 in range(0, end_a.shape[0], 4096):
        sl = slice(k0, k0 + 4096)
        dist = np.hypot(end_a[sl, None] - ma[None, :], end_b[sl, None] - mb[None, :])
        near = np.argmin(dist, axis=1)
        ok = (dist[np.arange(dist.shape[0]), near] <= match_tol) & ~diverged[sl]
        out[sl] = np.where(ok, labels[near], -1)
    return out
