"""A plane through all weights as a two-coordinate landscape: J(alpha, beta) and its derivatives.

theta(alpha, beta) = centre + alpha d1 + beta d2, for directions of any kind
(losslandscape.directions). `PlaneSurface` is the plane's `Surface`: grids of J (and accuracy),
the exact gradient and Hessian of J in (alpha, beta), and the gradient of J/2 that optimizers
follow, so the same analysis and trajectory code runs on planes as on pairs.

The gradient in (alpha, beta) is (d1 . grad J, d2 . grad J) and the Hessian is
[d_i^T H d_j]: both come out of one second-order forward pass per point (a jet per unit: value,
two first and three second derivatives), exact to rounding and never finite differences. The
first layer's pre-activation is linear in (alpha, beta), so its jet is three products computed
once per sample block (the plane grid's shortcut); above it, layer k with weights
W = C + alpha E + beta F maps a jet a to z = W a, z_alpha = W a_alpha + E a,
z_alphaalpha = W a_alphaalpha + 2 E a_alpha, z_alphabeta = W a_alphabeta + E a_beta + F a_alpha,
and the same with beta and F.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .surface import GridDerivatives, Jet, derivatives_from_sums, sigmoid_jet, squared_error_sums
from .wholenet import PLANE_BLOCK, Hidden, _chunks, _map, _Plane, _pool, one_blas_thread, unflatten

__all__ = ["PlaneSurface"]


class PlaneSurface:
    """J at theta(alpha, beta) = centre + alpha d1 + beta d2 on the first N samples: a Surface.

    x is (N, 784), y (N, 10) one-hot; `threads` spreads points over that many threads (results
    do not depend on the count: each point sums its sample blocks in a fixed order).
    """

    coordinates = ("alpha", "beta")

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
        self.plane = _Plane(centre, d1, d2, x, y, self.hidden, block)
        self.n = self.plane.data.n
        mats = [
            unflatten(np.ascontiguousarray(v, dtype=np.float64), self.hidden)
            for v in (centre, d1, d2)
        ]
        # (C, E, F) of every layer above the first: its weights are C + alpha E + beta F
        self.upper = [tuple(m[k] for m in mats) for k in range(1, len(mats[0]))]

    # ------------------------------------------------------------------ values
    @one_blas_thread
    def grid_values(
        self, a_values: np.ndarray, b_values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """J and accuracy on numpy.meshgrid(a_values, b_values), raveled (alpha fastest)."""
        m1, m2 = np.meshgrid(np.asarray(a_values, np.float64), np.asarray(b_values, np.float64))
        parts = self._over_points(self.plane.evaluate, m1.ravel(), m2.ravel())
        return _stack(parts, 0, (0,)), _stack(parts, 1, (0,))

    def grid(self, a_values: np.ndarray, b_values: np.ndarray) -> np.ndarray:
        """J on numpy.meshgrid(a_values, b_values), raveled (alpha fastest)."""
        return self.grid_values(a_values, b_values)[0]

    # ------------------------------------------------------------------ derivatives
    @one_blas_thread
    def cost_and_grad(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J and the gradient of J/2 in (alpha, beta) at points (u[p], v[p])."""
        sums = self._sums(u, v, order=1)
        cost, grad, _ = derivatives_from_sums(sums, self.n)
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
        return derivatives_from_sums(self._sums(u, v, order=2), self.n)

    def grid_derivatives(self, a_values: np.ndarray, b_values: np.ndarray) -> GridDerivatives:
        """J, gradient and Hessian on numpy.meshgrid(a_values, b_values), raveled (alpha first)."""
        a_values = np.asarray(a_values, dtype=np.float64)
        b_values = np.asarray(b_values, dtype=np.float64)
        m1, m2 = np.meshgrid(a_values, b_values)
        cost, grad, hess = self.cost_grad_hess(m1.ravel(), m2.ravel())
        return GridDerivatives(cost, grad, hess, (b_values.shape[0], a_values.shape[0]))

    def _sums(self, u: np.ndarray, v: np.ndarray, order: int) -> np.ndarray:
        """(6, P) sums over samples of the squared error and its derivatives, points on threads."""
        u = np.asarray(u, dtype=np.float64).ravel()
        v = np.asarray(v, dtype=np.float64).ravel()

        def points(us: np.ndarray, vs: np.ndarray) -> np.ndarray:
            return np.stack([self._point_sums(a, b, order) for a, b in zip(us, vs, strict=True)])

        parts = self._over_points(points, u, v)
        return np.concatenate(parts).T if parts else np.zeros((6, 0))

    def _over_points(
        self, fn: Callable[[np.ndarray, np.ndarray], object], u: np.ndarray, v: np.ndarray
    ) -> list:
        """fn over contiguous chunks of the points, several per thread; results in point order."""
        chunks = _chunks(u.shape[0], self.threads * 8) if u.shape[0] else []
        pool = _pool(self.threads)
        try:
            return _map(lambda r: fn(u[r.start : r.stop], v[r.start : r.stop]), chunks, pool)
        finally:
            if pool is not None:
                pool.shutdown()

    def _point_sums(self, alpha: float, beta: float, order: int) -> np.ndarray:
        """Sums over all samples (blocks in order) of (a - y)^2 and its derivatives at a point."""
        sizes = self.plane.sizes
        coef = np.array([1.0, alpha, beta])
        layers = [((c + alpha * e) + beta * f, e, f) for c, e, f in self.upper]
        out = np.zeros(6)
        with np.errstate(all="ignore"):
            for pre, yt in zip(self.plane.pre, self.plane.data.yts, strict=True):
                m = yt.shape[1]
                neg = pre.reshape(3, sizes[1], m)  # -(C0 x^T), -(D1_0 x^T), -(D2_0 x^T)
                z = np.matmul(coef, pre).reshape(sizes[1], m)
                np.negative(z, out=z)  # C0 x + alpha D1_0 x + beta D2_0 x, as the grid has it
                jet: Jet = [z, -neg[1], -neg[2], None, None, None]
                for w, e, f in layers:
                    jet = _layer_jet(w, e, f, sigmoid_jet(jet, order), order)
                jet = sigmoid_jet(jet, order)
                out += squared_error_sums([None if c is None else c[None] for c in jet], yt)[:, 0]
        return out


def _layer_jet(w: np.ndarray, e: np.ndarray, f: np.ndarray, a: Jet, order: int) -> Jet:
    """The jet of z = (C + alpha E + beta F) a, with w = C + alpha E + beta F at the point."""
    a0, ap, aq, app, apq, aqq = a
    assert ap is not None and aq is not None
    z = w @ a0
    zp = w @ ap
    zp += e @ a0
    zq = w @ aq
    zq += f @ a0
    if order == 1:
        return [z, zp, zq, None, None, None]
    assert app is not None and apq is not None and aqq is not None
    zpp = w @ app
    zpp += 2.0 * (e @ ap)
    zpq = w @ apq
    zpq += e @ aq
    zpq += f @ ap
    zqq = w @ aqq
    zqq += 2.0 * (f @ aq)
    return [z, zp, zq, zpp, zpq, zqq]


def _stack(parts: list, index: int, empty: tuple[int, ...]) -> np.ndarray:
    """Concatenate item `index` of every part (an empty array of that shape when none)."""
    return np.concatenate([p[index] for p in parts]) if parts else np.empty(empty)
