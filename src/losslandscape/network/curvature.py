"""Curvature: exact Hessian-vector products of J over all weights (the R-operator, by hand)."""

from __future__ import annotations

import copy
from concurrent.futures import Executor

import numpy as np
from scipy.special import expit

from .blocks import TRAIN_BLOCK, Blocked, map_ordered, one_blas_thread, thread_pool
from .model import Hidden, sigmoid_neg_, unflatten


class Curvature(Blocked):
    """Hessian-vector products of J at a fixed theta (the R-operator, by hand).

    The forward and backward pass at theta are cached per block; each product then costs about
    one more forward and backward pass (the R-pass). With s = a(1-a) and delta the backprop
    deltas of J/2 (times N), q = delta * (1 - 2a) carries the sigmoid's second derivative:
    R{delta_l} = (V_l^T delta_{l+1} + W_l^T R{delta_{l+1}}) * s_l + q_l * R{z_l}, and at the
    output R{delta_L} = (s_L^2 + q_L) * R{z_L}.
    """

    def __init__(
        self,
        theta: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        hidden: Hidden,
        threads: int,
        pool: Executor | None = None,
    ) -> None:
        """Cache the forward and backward pass at theta, block by block, on the pool's threads."""
        super().__init__(x, y, hidden, threads, TRAIN_BLOCK)
        self.w = unflatten(np.ascontiguousarray(theta, dtype=np.float64), self.hidden)
        self.count = 0
        # Pixels that are zero in every sample add exact zeros to the first layer's products
        # (about a quarter of MNIST's: its borders); the first layer skips them.
        self.active = np.flatnonzero(np.any(np.asarray(x) != 0.0, axis=0))
        self.w0 = np.ascontiguousarray(self.w[0][:, self.active])

        def prepare(b: int) -> dict[str, list[np.ndarray]]:
            """Block b's cached quantities, with floating-point warnings off in this thread."""
            with np.errstate(all="ignore"):
                return self._prepare(b)

        self.cache = map_ordered(prepare, range(len(self.data.xs)), pool)

    def _prepare(self, b: int) -> dict[str, list[np.ndarray]]:
        """Activations a, slopes s, deltas and q of block b at theta (index l = layer l output)."""
        xb, yt = self.data.xs[b], self.data.yts[b]
        acts: list[np.ndarray] = [np.ascontiguousarray(xb[:, self.active].T)]
        for k, wl in enumerate(self.w[:-1]):
            acts.append(sigmoid_neg_(np.matmul(np.negative(self.w0 if k == 0 else wl), acts[-1])))
        acts.append(expit(self.w[-1] @ acts[-1]))
        n_layers = len(self.w)
        s: list[np.ndarray] = [np.empty(0)] + [a * (1.0 - a) for a in acts[1:]]
        deltas: list[np.ndarray] = [np.empty(0)] * (n_layers + 1)
        deltas[n_layers] = (acts[-1] - yt) * s[-1]
        for k in range(n_layers - 1, 0, -1):
            deltas[k] = (self.w[k].T @ deltas[k + 1]) * s[k]
        q = [np.empty(0)] + [deltas[k] * (1.0 - 2.0 * acts[k]) for k in range(1, n_layers + 1)]
        top = s[-1] * s[-1]
        top += q[-1]
        return {"a": acts, "s": s, "delta": deltas, "q": q, "top": [top]}

    def rounded(self) -> Curvature:
        """A float32 twin of this operator: every cached value rounded once from the float64
        pass, products in float32 (about half the time, relative error near 1e-7). For a cheap
        eigensolver start only: final values always come from float64 products."""
        twin = copy.copy(self)
        single = np.float32
        with np.errstate(all="ignore"):  # out of float32's range: inf or 0 (the caller checks)
            twin.w = [w.astype(single) for w in self.w]
            twin.w0 = self.w0.astype(single)
            twin.cache = [
                {key: [a.astype(single) for a in arrays] for key, arrays in block.items()}
                for block in self.cache
            ]
        twin.rows = np.empty(self.rows.shape, dtype=single)
        twin.scratch = [np.empty(self.p, dtype=single) for _ in self.scratch]
        twin.count = 0
        return twin

    def apply(self, v: np.ndarray, pool: Executor | None = None) -> np.ndarray:
        """H v, the Hessian of J at theta times the flat vector v (a new float64 flat array)."""
        self.count += 1
        vs = unflatten(np.ascontiguousarray(v, dtype=self.rows.dtype).ravel(), self.hidden)
        self.accumulate(lambda b, out, t: self._r_block(vs, b, out), pool)
        out = self.total().astype(np.float64, copy=False)
        out *= 2.0 / self.data.n  # the cached deltas are N * d(J/2)/dz; H of J is twice J/2's
        return out

    def _r_block(self, vs: list[np.ndarray], b: int, out_flat: np.ndarray) -> None:
        """The R-pass of block b: its part of N * H(J/2) v into out_flat."""
        c = self.cache[b]
        acts, s, deltas, q = c["a"], c["s"], c["delta"], c["q"]
        w, n_layers = self.w, len(self.w)
        rz: list[np.ndarray] = [np.empty(0)] * (n_layers + 1)
        ra: list[np.ndarray] = [np.empty(0)] * (n_layers + 1)
        for k in range(n_layers):
            z = (vs[0][:, self.active] if k == 0 else vs[k]) @ acts[k]
            if k > 0:
                z += w[k] @ ra[k]
            rz[k + 1] = z
            ra[k + 1] = s[k + 1] * z
        rdelta = c["top"][0] * rz[n_layers]
        out = unflatten(out_flat, self.hidden)
        for k in range(n_layers - 1, -1, -1):
            if k == 0:
                out[0].fill(0.0)
                out[0][:, self.active] = rdelta @ acts[0].T
                break
            np.matmul(rdelta, acts[k].T, out=out[k])
            out[k] += deltas[k + 1] @ ra[k].T
            back = vs[k].T @ deltas[k + 1]
            back += w[k].T @ rdelta
            back *= s[k]
            back += q[k] * rz[k]
            rdelta = back


@one_blas_thread
def hvp(
    theta: np.ndarray,
    v: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    threads: int = 1,
) -> np.ndarray:
    """Exact Hessian-vector product H v of J (not J/2) at theta, by the R-operator."""
    pool = thread_pool(threads)
    try:
        return Curvature(theta, x, y, hidden, threads, pool).apply(v, pool)
    finally:
        if pool is not None:
            pool.shutdown()
