"""Exact fast kernels of a pair whose two weights are both in the output layer.

There z is linear in the two weights, so J and the gradient of J/2 need no forward pass: only
the varying output rows over the samples the pair changes (losslandscape.landscape.pair gathers
them), one small product for z, the sigmoid and one product for the gradient sums. One kernel
per use: a point at a time for a trajectory (any targets, and a leaner one for 0/1 targets),
many points at once for a basin map (0/1 targets).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..network.model import sigmoid_


def output_pair_kernel(
    base: np.ndarray, basis: np.ndarray, y: np.ndarray, const: float, n: int
) -> Callable[[float, float], tuple[float, float, float]]:
    """Output-layer kernel for any targets: about ten vector operations per call.

    z = base + basis^T (u, v) are the varying outputs' pre-activations over the samples that
    depend on the weights; `const` is the cost sum of everything else.
    """
    inv_n = 1.0 / n
    z = np.empty_like(base)
    w = np.empty(2)

    def output_pair(u: float, v: float) -> tuple[float, float, float]:
        w[0] = u
        w[1] = v
        np.dot(w, basis, out=z)
        np.add(z, base, out=z)
        a = sigmoid_(z)
        err = a - y
        cost = (const + float(np.dot(err, err))) * inv_n
        err *= a
        np.subtract(a, 1.0, out=a)
        err *= a  # (a - y) * a * (a - 1) = -N * d(J/2)/dz
        ga, gb = (basis @ err) * -inv_n
        return cost, float(ga), float(gb)

    return output_pair


def binary_output_kernel(
    base: np.ndarray, basis: np.ndarray, y: np.ndarray, const: float, n: int
) -> Callable[[float, float], tuple[float, float, float]]:
    """Output-layer kernel for 0/1 targets: nine vector operations per call, no temporaries.

    With s = 1 - 2y (+1 where the target is 0, -1 where it is 1) and q = sigmoid(s*z):
    (y - a)^2 = q^2 and (a - y) * a * (1 - a) = s * q^2 * (1 - q). Folding -s and the
    frozen part of z into one (3, M) matrix (row 3 multiplied by a constant 1) leaves one
    matrix product for z, exp, add, reciprocal, a dot product for the cost, two products and
    a subtraction for q^2 * (1 - q), and a matrix product for the gradient.
    """
    sign = 1.0 - 2.0 * y
    inv_n = 1.0 / n
    neg_z = np.vstack([-sign * basis, -sign * base])  # (3, M): -s*h of each weight, -s*base
    grad_basis = sign * basis * inv_n  # (2, M): s*h/N, so that grad = grad_basis @ q^2(1-q)
    t = np.empty_like(base)
    r = np.empty_like(base)
    g = np.empty(2)
    w = np.array([0.0, 0.0, 1.0])
    dot, exp, add, reciprocal = np.dot, np.exp, np.add, np.reciprocal
    multiply, subtract = np.multiply, np.subtract

    def kernel(u: float, v: float) -> tuple[float, float, float]:
        w[0] = u
        w[1] = v
        dot(w, neg_z, out=t)  # -s*z
        exp(t, out=t)
        add(t, 1.0, out=t)
        reciprocal(t, out=t)  # q = sigmoid(s*z)
        cost = (const + float(dot(t, t))) * inv_n
        multiply(t, t, out=r)
        subtract(1.0, t, out=t)
        multiply(r, t, out=r)  # q^2 * (1 - q)
        dot(grad_basis, r, out=g)
        ga, gb = g.tolist()
        return cost, ga, gb

    return kernel


class BatchOutputKernel:
    """Exact J and gradient of J/2 for both weights in the output layer with one-hot targets.

    Per varying output row r, z = base + p*h1 + q*h2 is linear in the weights. With s = +1
    where the target is 0 and -1 where it is 1, (y - sigmoid(z))^2 = sigmoid(s*z)^2 =: c^2 and
    d/dz of half of it is s * c^2 * (1 - c): so a whole epoch is one small matmul for -s*z, an
    exp, a reciprocal, a few products and one matmul for the two gradient sums.
    """

    def __init__(
        self,
        h1: np.ndarray,
        h2: np.ndarray,
        y_rows: np.ndarray,
        zt_rows: np.ndarray,
        second_row: int,
        swapped: bool,
        const: float,
        n: int,
        chunk_elements: int,
    ) -> None:
        """The kernel's matrices, cut into chunks of at most `chunk_elements` elements.

        h1, h2 are the inputs of the two weights and y_rows, zt_rows the targets and frozen
        pre-activations of the varying output rows (first row: the first weight's, row
        `second_row`: the second's), over the samples the pair changes; `const` is the cost
        sum of everything else.
        """
        self.const = const
        self.inv_n = 1.0 / n
        self.swapped = swapped
        coef, grads = [], []
        m = h1.shape[0]
        for r in range(y_rows.shape[0]):
            sign = 1.0 - 2.0 * y_rows[r]
            p1 = h1 if r == 0 else np.zeros(m)
            p2 = h2 if r == second_row else np.zeros(m)
            coef.append(np.stack([-sign * p1, -sign * p2, -sign * zt_rows[r]]))
            grads.append(np.column_stack([sign * p1, sign * p2]))
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
