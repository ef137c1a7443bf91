"""A landscape over two coordinates: J(u, v), with its exact gradient and Hessian.

Every two-coordinate landscape of the project is a `Surface`: the grid, trajectory and analysis
code (critical points, plateaus, basins) and the jobs that write their files take one and never
ask which kind it is. Two kinds exist:

- `pair.PairSlice`: two single weights of a frozen network (the source documents'
  landscapes), coordinates (w_a, w_b); its exact fast case recomputes only what the two weights
  touch;
- `plane.PlaneSurface`: theta = centre + alpha d1 + beta d2 through all weights of a network,
  coordinates (alpha, beta), for planes of any direction kind.

Derivatives are exact, never finite differences: Hessians by second-order forward propagation
("jets": value, two first and three second derivatives per unit) through the part of the network
a kind recomputes; a plane's gradient alone by a backward pass. Both kinds share the
squared-error sums of a jet and their assembly into J, gradient and Hessian below; the sigmoid's
chain rule is here for pairs (new arrays, exact zeros skipped, points broadcast) and, in place in
preallocated buffers, in plane.py (a plane's jets are whole layers wide, so allocation would cost
more than the arithmetic).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..network.model import sigmoid_

#: The coordinates' names, as result columns and figure labels: a pair's two weights, a plane's
#: two directions.
PAIR_COORDINATES = ("w_a", "w_b")
PLANE_COORDINATES = ("alpha", "beta")

#: a jet: [value, d/du, d/dv, d2/du2, d2/dudv, d2/dv2]; None stands for an exact zero, so
#: derivatives that cannot be reached cost nothing
Jet = list[np.ndarray | None]


@dataclass
class GridDerivatives:
    """J, gradient (G, 2) and Hessian (G, 2, 2) of J on a grid, raveled (first fastest).

    `hess` is None when the surface was asked for the gradient only (see grid_derivatives).
    """

    cost: np.ndarray
    grad: np.ndarray
    hess: np.ndarray | None
    shape: tuple[int, int]  # (len(b_values), len(a_values))

    @property
    def grad_norm(self) -> np.ndarray:
        """Euclidean norm of the gradient of J at every grid point, raveled."""
        return np.hypot(self.grad[:, 0], self.grad[:, 1])


class Surface(Protocol):
    """J over two coordinates (u, v) on the first N samples: what grids, runs and analysis read."""

    #: the coordinates' names as result columns, e.g. ("w_a", "w_b") or ("alpha", "beta")
    coordinates: tuple[str, str]
    #: number of samples J averages over
    n: int
    #: threads a grid evaluation may spread over
    threads: int
    #: True when the Hessian comes with the gradient at little extra cost (a pair), so searches
    #: take it at every trial point; False when it costs several gradients (a plane)
    cheap_hessian: bool

    def grid(self, a_values: np.ndarray, b_values: np.ndarray) -> np.ndarray:
        """J on numpy.meshgrid(a_values, b_values), raveled (first coordinate fastest)."""
        ...

    def cost_and_grad(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J and the gradient of J/2 (what the optimizers follow) at points (u[p], v[p])."""
        ...

    def scalar_cost_and_grad(self) -> Callable[[float, float], tuple[float, float, float]]:
        """A fast `f(u, v) -> (J, dJ/2/du, dJ/2/dv)` for one point, for training loops."""
        ...

    def cost_grad(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """J and its exact gradient (P, 2) at points (u[p], v[p])."""
        ...

    def cost_grad_hess(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J, its exact gradient (P, 2) and Hessian (P, 2, 2) at points (u[p], v[p])."""
        ...

    def grid_derivatives(
        self, a_values: np.ndarray, b_values: np.ndarray, hessian: bool = True
    ) -> GridDerivatives:
        """J, gradient and Hessian on numpy.meshgrid(a_values, b_values), raveled.

        hessian=False allows a surface whose Hessian is costly to leave `hess` None.
        """
        ...

    def batch_cost_and_grad(
        self,
    ) -> tuple[Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]], int]:
        """`f(u, v) -> (J, dJ/2/du, dJ/2/dv)` for many points at once, and the points per call
        it serves best: what runs an optimizer from every grid point (basin maps)."""
        ...


# ---------------------------------------------------------------------- jet arithmetic
def derivatives_from_sums(sums: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(6, P) sums [E, Eu, Ev, Euu, Euv, Evv] over samples -> J, gradient, Hessian of J."""
    s = sums / n
    grad = np.stack([s[1], s[2]], axis=-1)
    hess = np.empty((s.shape[1], 2, 2))
    hess[:, 0, 0] = s[3]
    hess[:, 0, 1] = hess[:, 1, 0] = s[4]
    hess[:, 1, 1] = s[5]
    return s[0], grad, hess


def linear_jet(w: np.ndarray, jet: Jet) -> Jet:
    """W @ jet, component by component (a constant matrix commutes with differentiation)."""
    return [None if c is None else np.matmul(w, c) for c in jet]


def sigmoid_jet(z: Jet) -> Jet:
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


def squared_error_sums(jet: Jet, y: np.ndarray) -> np.ndarray:
    """(6, P) sums over units and samples of (a - y)^2 and its derivatives; a is (P, units, M)."""
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
