"""A plane through all weights as a two-coordinate landscape: J(alpha, beta) and its derivatives.

theta(alpha, beta) = centre + alpha d1 + beta d2, for directions of any kind (directions.py).
`PlaneSurface` is the plane's `Surface`: grids of J (and accuracy), the exact gradient and
Hessian of J in (alpha, beta), and the gradient of J/2 that optimizers follow, so the same
analysis and trajectory code runs on planes as on pairs. Lines (line_values) and the projection
of snapshots onto a plane (project) are here too.

The gradient in (alpha, beta) is (d1 . grad J, d2 . grad J) and the Hessian is
[d_i^T H d_j], both exact to rounding and never finite differences:

- gradient: one forward and one backward pass per point. With G_k the gradient of J for
  layer k's weights W_k = C_k + alpha E_k + beta F_k, dJ/dalpha = sum_k <G_k, E_k>; the first
  layer's term is <delta_0, D1_0 x> with D1_0 x computed once (the plane grid's shortcut), so
  a point costs three products with each layer above the first;
- Hessian: one second-order forward pass per point (a jet per unit: value, two first and three
  second derivatives). The first layer's jet is again the three products computed once; above
  it a jet a maps to z = W a, z_alpha = W a_alpha + E a, z_alphaalpha = W a_alphaalpha
  + 2 E a_alpha, z_alphabeta = W a_alphabeta + E a_beta + F a_alpha, and so on with beta and F:
  twelve products a layer, so it serves refinement points, not whole grids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import expit

from .. import progress
from ..network.blocks import (
    Samples,
    chunks,
    map_ordered,
    one_blas_thread,
    row_views,
    sample_blocks,
    thread_pool,
)
from ..network.model import Hidden, layer_sizes, sigmoid_, sigmoid_neg_, unflatten
from .directions import random_directions
from .surface import (
    PLANE_COORDINATES,
    GridDerivatives,
    derivatives_from_sums,
    squared_error_sums,
)

__all__ = [
    "PlaneSurface",
    "auto_range",
    "line_costs",
    "line_values",
    "plane_grid",
    "project",
    "random_line_direction",
]

#: Samples per block of plane and line evaluation: a 500-unit layer's block is 2 MB.
PLANE_BLOCK = 512


class _PlaneValues:
    """J and accuracy at theta(alpha, beta) = centre + alpha d1 + beta d2, for many points.

    The first layer's pre-activation is linear in (alpha, beta): C0 x^T, D1_0 x^T and D2_0 x^T
    are computed once (negated, per sample block), so each point's first layer is one
    three-term combination; the layers above run per point on each block with the point's
    weights assembled once.
    """

    def __init__(self, vectors: Sequence[np.ndarray], data: Samples, hidden: Hidden) -> None:
        """Precompute the first layer's three products per block and the upper layers' trios."""
        self.hidden = list(hidden)
        self.sizes = layer_sizes(self.hidden)
        mats = [unflatten(v, self.hidden) for v in vectors]  # centre, d1, d2, each contiguous
        self.data = data
        h1 = self.sizes[1]
        first = np.concatenate([m[0] for m in mats])  # (3*h1, 784): C0, D1_0, D2_0
        np.negative(first, out=first)
        self.pre = [(first @ xb.T).reshape(3, h1 * xb.shape[0]) for xb in self.data.xs]
        # layers above the first, as (centre, d1, d2); hidden ones negated (sigmoid_neg_ takes -z)
        self.upper = []
        for k in range(1, len(mats[0])):
            trio = [m[k] for m in mats]
            if k < len(mats[0]) - 1:
                trio = [np.negative(t) for t in trio]
            self.upper.append(trio)

    def evaluate(self, alphas: np.ndarray, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(J, accuracy) at points (alphas[i], betas[i]), one thread."""
        sizes, m_max = self.sizes, self.data.widest
        acts = [np.empty(r * m_max) for r in sizes[1:]]
        err = np.empty(sizes[-1] * m_max)
        coef = np.ones(3)
        n_layers = len(sizes) - 1
        costs = np.empty(alphas.shape[0])
        accs = np.empty(alphas.shape[0])
        with np.errstate(all="ignore"):
            for i, (alpha, beta) in enumerate(zip(alphas.tolist(), betas.tolist(), strict=True)):
                coef[1], coef[2] = alpha, beta
                # the point's weights, rounded as centre + alpha*d1 + beta*d2 would be
                ws = [(c + alpha * e1) + beta * e2 for c, e1, e2 in self.upper]
                cost, correct = 0.0, 0
                for pre, yt, lab in zip(self.pre, self.data.yts, self.data.labels, strict=True):
                    m = yt.shape[1]
                    views = row_views(acts, m, sizes[1:])
                    a = views[0]
                    np.matmul(coef, pre, out=a.reshape(-1))  # -z of the first layer
                    if n_layers == 1:
                        np.negative(a, out=a)
                    else:
                        sigmoid_neg_(a)
                    for k in range(1, n_layers):
                        np.matmul(ws[k - 1], a, out=views[k])
                        a = views[k]
                        if k < n_layers - 1:
                            sigmoid_neg_(a)
                    expit(a, out=a)
                    correct += int(np.count_nonzero(np.argmax(a, axis=0) == lab))
                    e = err[: a.size].reshape(a.shape)
                    np.subtract(a, yt, out=e)
                    cost += float(np.vdot(e, e))
                costs[i] = cost / self.data.n
                accs[i] = correct / self.data.n
                progress.advance()
        return costs, accs


class PlaneSurface:
    """J at theta(alpha, beta) = centre + alpha d1 + beta d2 on the first N samples: a Surface.

    x is (N, 784), y (N, 10) one-hot; `threads` spreads points over that many threads (results
    do not depend on the count: each point sums its sample blocks in a fixed order).
    """

    coordinates = PLANE_COORDINATES
    cheap_hessian = False

    def __init__(
        self,
        centre: np.ndarray,
        d1: np.ndarray,
        d2: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        hidden: Hidden,
        threads: int = 1,
        block: int = PLANE_BLOCK,
    ) -> None:
        """Precompute the first layer's three products per sample block."""
        self.hidden = list(hidden)
        self.threads = max(1, int(threads))
        self.centre, self.d1, self.d2 = (
            np.ascontiguousarray(v, dtype=np.float64) for v in (centre, d1, d2)
        )
        vectors = (self.centre, self.d1, self.d2)
        self.plane = _PlaneValues(vectors, sample_blocks(x, y, block), self.hidden)
        self.n = self.plane.data.n
        mats = [unflatten(v, self.hidden) for v in (self.centre, self.d1, self.d2)]
        # (C, E, F) of every layer above the first: its weights are C + alpha E + beta F
        self.upper = [tuple(m[k] for m in mats) for k in range(1, len(mats[0]))]

    # ------------------------------------------------------------------ values
    def grid_values(
        self, a_values: np.ndarray, b_values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """J and accuracy on numpy.meshgrid(a_values, b_values), raveled (alpha fastest)."""
        m1, m2 = np.meshgrid(np.asarray(a_values, np.float64), np.asarray(b_values, np.float64))
        return self.values(m1.ravel(), m2.ravel())

    @one_blas_thread
    def values(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """J and accuracy at points (u[p], v[p]) of the plane."""
        u = np.asarray(u, dtype=np.float64).ravel()
        v = np.asarray(v, dtype=np.float64).ravel()
        progress.expect(u.shape[0])
        parts = self._over_points(self.plane.evaluate, u, v)
        return _stack(parts, 0, (0,)), _stack(parts, 1, (0,))

    def grid(self, a_values: np.ndarray, b_values: np.ndarray) -> np.ndarray:
        """J on numpy.meshgrid(a_values, b_values), raveled (alpha fastest)."""
        return self.grid_values(a_values, b_values)[0]

    # ------------------------------------------------------------------ derivatives
    def cost_and_grad(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J and the gradient of J/2 in (alpha, beta) at points (u[p], v[p])."""
        cost, grad = self.cost_grad(u, v)
        return cost, grad[:, 0] / 2.0, grad[:, 1] / 2.0

    def scalar_cost_and_grad(self) -> Callable[[float, float], tuple[float, float, float]]:
        """`f(alpha, beta) -> (J, dJ/2/dalpha, dJ/2/dbeta)` for one point (a first-order pass)."""

        def f(u: float, v: float) -> tuple[float, float, float]:
            cost, ga, gb = self.cost_and_grad(np.array([u]), np.array([v]))
            return float(cost[0]), float(ga[0]), float(gb[0])

        return f

    @one_blas_thread
    def cost_grad_hess(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J, its gradient (P, 2) and Hessian (P, 2, 2) in (alpha, beta) at points (u[p], v[p])."""
        return derivatives_from_sums(
            self._over_all(u, v, 6, self._point_jets, self._jet_space), self.n
        )

    def grid_derivatives(
        self, a_values: np.ndarray, b_values: np.ndarray, hessian: bool = True
    ) -> GridDerivatives:
        """J, gradient and Hessian on numpy.meshgrid(a_values, b_values), raveled (alpha first).

        With hessian False only J and the gradient are computed (a backward pass a point instead
        of a second-order forward pass, about a third of the work) and `hess` is None.
        """
        a_values = np.asarray(a_values, dtype=np.float64)
        b_values = np.asarray(b_values, dtype=np.float64)
        m1, m2 = np.meshgrid(a_values, b_values)
        shape = (b_values.shape[0], a_values.shape[0])
        if not hessian:
            cost, grad = self.cost_grad(m1.ravel(), m2.ravel())
            return GridDerivatives(cost, grad, None, shape)
        cost, grad, hess = self.cost_grad_hess(m1.ravel(), m2.ravel())
        return GridDerivatives(cost, grad, hess, shape)

    def batch_cost_and_grad(
        self,
    ) -> tuple[Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]], int]:
        """cost_and_grad itself, 256 points a call (a plane has no cheaper batch kernel)."""
        return self.cost_and_grad, 256

    @one_blas_thread
    def cost_grad(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """J and its gradient (P, 2) in (alpha, beta) at points (u[p], v[p]), by backprop."""
        sums = self._over_all(u, v, 3, self._point_backprop, self._workspace)
        return sums[0] / self.n, np.stack([sums[1], sums[2]], axis=-1) / self.n

    def _over_all(
        self,
        u: np.ndarray,
        v: np.ndarray,
        rows: int,
        point: Callable[[float, float, Any], np.ndarray],
        workspace: Callable[[], Any],
    ) -> np.ndarray:
        """(rows, P): point(u[p], v[p], ws) for every point, points spread over the threads.

        Each chunk of points makes one workspace (buffers) and reuses it for all its points.
        """
        u = np.asarray(u, dtype=np.float64).ravel()
        v = np.asarray(v, dtype=np.float64).ravel()

        def points(us: np.ndarray, vs: np.ndarray) -> np.ndarray:
            ws = workspace()
            pairs = zip(us.tolist(), vs.tolist(), strict=True)
            return np.stack([point(a, b, ws) for a, b in pairs])

        parts = self._over_points(points, u, v)
        return np.concatenate(parts).T if parts else np.zeros((rows, 0))

    def _over_points(
        self, fn: Callable[[np.ndarray, np.ndarray], object], u: np.ndarray, v: np.ndarray
    ) -> list:
        """fn over contiguous chunks of the points, several per thread; results in point order."""
        parts = chunks(u.shape[0], self.threads * 8) if u.shape[0] else []
        pool = thread_pool(self.threads)
        try:
            return map_ordered(lambda r: fn(u[r.start : r.stop], v[r.start : r.stop]), parts, pool)
        finally:
            if pool is not None:
                pool.shutdown()

    def _point_jets(self, alpha: float, beta: float, ws: dict[str, list]) -> np.ndarray:
        """Sums over all samples of (a - y)^2 and its first and second derivatives, (6,).

        A second-order forward pass per sample block in the buffers `ws` (_jet_space): each
        layer's jet is six (units, samples) arrays [value, d/dalpha, d/dbeta, d2/dalpha2,
        d2/dalphadbeta, d2/dbeta2].
        """
        sizes = self.plane.sizes
        coef = np.array([1.0, alpha, beta])
        weights = [(c + alpha * e) + beta * f for c, e, f in self.upper]
        out = np.zeros(6)
        with np.errstate(all="ignore"):
            for pre, yt in zip(self.plane.pre, self.plane.data.yts, strict=True):
                m = yt.shape[1]
                jet = row_views(ws["jet"][0], m, [sizes[1]] * 6)
                neg = pre.reshape(3, sizes[1], m)  # -(C0 x^T), -(D1_0 x^T), -(D2_0 x^T)
                np.matmul(coef, pre, out=jet[0].reshape(-1))
                np.negative(jet[0], out=jet[0])  # C0 x + alpha D1_0 x + beta D2_0 x
                np.negative(neg[1], out=jet[1])
                np.negative(neg[2], out=jet[2])
                for c in jet[3:]:
                    c.fill(0.0)
                _sigmoid_jet_(jet, row_views(ws["tmp"][0], m, [sizes[1]] * 3))
                for k, w in enumerate(weights, start=1):
                    _, e, f = self.upper[k - 1]
                    nxt = row_views(ws["jet"][k], m, [sizes[k + 1]] * 6)
                    tmp = row_views(ws["tmp"][k], m, [sizes[k + 1]] * 3)
                    _layer_jet(w, e, f, jet, nxt, tmp[0])
                    _sigmoid_jet_(nxt, tmp)
                    jet = nxt
                out += squared_error_sums([c[None] for c in jet], yt)[:, 0]
        return out

    def _jet_space(self) -> dict[str, list]:
        """Buffers for _point_jets: six jet components and three scratch arrays per layer."""
        m = self.plane.data.widest
        sizes = self.plane.sizes[1:]
        return {
            "jet": [[np.empty(r * m) for _ in range(6)] for r in sizes],
            "tmp": [[np.empty(r * m) for _ in range(3)] for r in sizes],
        }

    def _point_backprop(
        self, alpha: float, beta: float, ws: dict[str, list[np.ndarray]]
    ) -> np.ndarray:
        """Sums over all samples of (a - y)^2 and its derivatives in alpha and beta, (3,).

        One forward and one backward pass per sample block, in the buffers `ws` (_workspace):
        with delta_k the derivative of the sum by layer k's pre-activation, the
        alpha-derivative is sum_k <delta_k a_{k-1}^T, E_k> over the layers above the first plus
        <delta_0, D1_0 x>, and the same with beta and F.
        """
        sizes = self.plane.sizes
        coef = np.array([1.0, alpha, beta])
        weights = [(c + alpha * e) + beta * f for c, e, f in self.upper]
        negated = [np.negative(w) for w in weights]  # sigmoid_neg_ takes -z
        out = np.zeros(3)
        with np.errstate(all="ignore"):
            for pre, yt in zip(self.plane.pre, self.plane.data.yts, strict=True):
                m = yt.shape[1]
                acts = row_views(ws["act"], m, sizes[1:])
                backs = row_views(ws["back"], m, sizes[1:])
                np.matmul(coef, pre, out=acts[0].reshape(-1))  # -z of the first layer
                sigmoid_neg_(acts[0])
                for k, nw in enumerate(negated, start=1):
                    np.matmul(nw, acts[k - 1], out=acts[k])
                    sigmoid_neg_(acts[k])
                top, delta = acts[-1], backs[-1]
                np.subtract(top, yt, out=delta)
                out[0] += float(np.vdot(delta, delta))
                delta *= top
                np.subtract(1.0, top, out=top)
                delta *= top
                delta *= 2.0  # d(sum (a - y)^2)/dz at the output
                for k in range(len(weights), 0, -1):
                    _, e, f = self.upper[k - 1]
                    below, g = acts[k - 1], ws["g"][k - 1]
                    np.matmul(delta, below.T, out=g)  # the sum's gradient for layer k's weights
                    out[1] += float(np.vdot(g, e))
                    out[2] += float(np.vdot(g, f))
                    back = backs[k - 1]
                    np.matmul(weights[k - 1].T, delta, out=back)
                    back *= below
                    np.subtract(1.0, below, out=below)
                    back *= below
                    delta = back
                neg = pre.reshape(3, sizes[1], m)  # -(C0 x^T), -(D1_0 x^T), -(D2_0 x^T)
                out[1] -= float(np.vdot(delta, neg[1]))
                out[2] -= float(np.vdot(delta, neg[2]))
        return out

    def _workspace(self) -> dict[str, list[np.ndarray]]:
        """Buffers for _point_backprop: activations and deltas per layer, layer gradients."""
        m = self.plane.data.widest
        return {
            "act": [np.empty(r * m) for r in self.plane.sizes[1:]],
            "back": [np.empty(r * m) for r in self.plane.sizes[1:]],
            "g": [np.empty(c.shape) for c, _, _ in self.upper],
        }


def _layer_jet(
    w: np.ndarray, e: np.ndarray, f: np.ndarray, a: list, z: list, tmp: np.ndarray
) -> None:
    """z = the jet of (C + alpha E + beta F) a, with w = C + alpha E + beta F at the point."""
    for c in range(6):
        np.matmul(w, a[c], out=z[c])
    for mat, src, dst, twice in (
        (e, 0, 1, False),  # z_alpha += E a
        (f, 0, 2, False),  # z_beta += F a
        (e, 1, 3, True),  # z_alphaalpha += 2 E a_alpha
        (e, 2, 4, False),  # z_alphabeta += E a_beta
        (f, 1, 4, False),  # z_alphabeta += F a_alpha
        (f, 2, 5, True),  # z_betabeta += 2 F a_beta
    ):
        np.matmul(mat, a[src], out=tmp)
        if twice:
            tmp *= 2.0
        z[dst] += tmp


def _sigmoid_jet_(z: list, tmp: list) -> None:
    """In place: the jet z of a pre-activation becomes the jet of its sigmoid.

    s' = s(1-s), s'' = s'(1-2s): a_alpha = s' z_alpha, a_alphabeta = s'' z_alpha z_beta
    + s' z_alphabeta, and so on (the chain rule to second order).
    """
    s1, s2, t = tmp
    s = sigmoid_(z[0])
    np.subtract(1.0, s, out=s1)
    s1 *= s  # s'
    np.multiply(s, -2.0, out=s2)
    s2 += 1.0
    s2 *= s1  # s''
    for dst, x, y in ((3, 1, 1), (4, 1, 2), (5, 2, 2)):
        z[dst] *= s1
        np.multiply(z[x], z[y], out=t)
        t *= s2
        z[dst] += t
    z[1] *= s1
    z[2] *= s1


def _stack(parts: list, index: int, empty: tuple[int, ...]) -> np.ndarray:
    """Concatenate item `index` of every part (an empty array of that shape when none)."""
    return np.concatenate([p[index] for p in parts]) if parts else np.empty(empty)


def plane_grid(
    centre: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    alphas: np.ndarray,
    betas: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    threads: int = 1,
    block: int = PLANE_BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """J and accuracy on the plane centre + alpha d1 + beta d2 over numpy.meshgrid(alphas, betas).

    Both arrays are raveled in meshgrid order (alpha fastest). Points are spread over `threads`
    threads; each point's sums run over the sample blocks in a fixed order, so the result does
    not depend on the thread count (losslandscape.plane.PlaneSurface, the plane as a landscape).
    """
    plane = PlaneSurface(centre, d1, d2, x, y, hidden, threads=threads, block=block)
    return plane.grid_values(alphas, betas)


@one_blas_thread
def line_values(
    start: np.ndarray,
    direction: np.ndarray,
    ts: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """J and accuracy at start + t direction for every t of ts (one value each).

    Evaluated as the plane through start with d1 = direction and d2 = 0, so a line's values are
    those of a plane grid's row.
    """
    start = np.asarray(start, dtype=np.float64)
    d1 = np.asarray(direction, dtype=np.float64)
    return plane_grid(start, d1, np.zeros_like(d1), ts, [0.0], x, y, hidden, threads)


@one_blas_thread
def line_costs(
    theta_from: np.ndarray,
    theta_to: np.ndarray,
    ts: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """J and accuracy along (1 - t) theta_from + t theta_to (linear interpolation).

    The line through theta_from along theta_to - theta_from (line_values).
    """
    start = np.asarray(theta_from, dtype=np.float64)
    return line_values(start, np.asarray(theta_to, np.float64) - start, ts, x, y, hidden, threads)


def random_line_direction(centre: np.ndarray, k: int, hidden: Hidden) -> np.ndarray:
    """The direction of a line `{centre}-random{k}`: the random{k} plane's d1 at that centre.

    RandomState(k).randn(P) filter-normalised to the centre (directions.random_directions), so
    the line is the plane `{centre}-random{k}`'s alpha axis (Li et al.'s 1D plots).
    """
    return random_directions(int(k), centre, hidden)[0]


def auto_range(
    values: Sequence[np.ndarray], base: tuple[float, float] = (-1.0, 1.0)
) -> tuple[float, float]:
    """A range for a line or grid axis that shows `base` and every finite value, with margins.

    The smallest interval [lo, hi] holding base and the finite entries of every array of
    values, widened by a fifth of its length on each side: (lo - L/5, hi + L/5), L = hi - lo.
    """
    lo, hi = float(min(base)), float(max(base))
    for v in values:
        v = np.asarray(v, dtype=np.float64)
        finite = v[np.isfinite(v)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    margin = (hi - lo) / 5.0
    return lo - margin, hi + margin


@one_blas_thread
def project(
    thetas: np.ndarray, centre: np.ndarray, d1: np.ndarray, d2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates (alpha, beta) of each theta on the plane and its distance from the plane.

    Least squares of theta - centre on span(d1, d2) (d1, d2 need not be orthogonal; a zero or
    parallel d2 gives the minimum-norm coordinates); distance is the residual's Euclidean norm.
    """
    thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
    diffs = thetas - np.asarray(centre, dtype=np.float64)
    basis = np.stack([np.asarray(d1, np.float64), np.asarray(d2, np.float64)], axis=1)
    finite = np.all(np.isfinite(diffs), axis=1)  # a diverged snapshot must not spoil the rest
    coef = np.full((2, diffs.shape[0]), np.nan)
    coef[:, finite] = np.linalg.lstsq(basis, diffs[finite].T, rcond=None)[0]  # (2, S)
    resid = diffs - coef.T @ basis.T
    return coef[0].copy(), coef[1].copy(), np.linalg.norm(resid, axis=1)
