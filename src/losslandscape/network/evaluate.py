"""J, accuracy and the gradient of J/2 over all weights: one forward and backward pass.

The naive order of the source documents' backprop, on blocks of samples spread over threads
(losslandscape.network.blocks); exact up to summation order, thread-count independent.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from typing import Any

import numpy as np
from scipy.special import expit

from .blocks import TRAIN_BLOCK, Blocked, one_blas_thread, row_views, thread_pool
from .model import Hidden, sigmoid_neg_, unflatten


class Evaluator(Blocked):
    """J, accuracy and the gradient of J/2 at any theta, one forward and backward pass each."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, hidden: Hidden, threads: int, block: int
    ) -> None:
        """Blocks, groups and one set of working buffers per thread."""
        super().__init__(x, y, hidden, threads, block)
        m = self.data.widest
        self.buffers = [
            {
                "act": [np.empty(r * m) for r in self.sizes[1:]],
                "back": [np.empty(r * m) for r in self.sizes[1:-1]],
                "err": np.empty(self.sizes[-1] * m),
            }
            for _ in self.assign
        ]
        self.costs = np.empty(len(self.data.xs))
        self.correct = np.empty(len(self.data.xs), dtype=np.int64)

    def run(
        self, theta: np.ndarray, grad: bool, pool: Executor | None = None
    ) -> tuple[float, float, np.ndarray | None]:
        """(J, accuracy, gradient of J/2 or None) at theta; the gradient is a new flat array."""
        w = unflatten(np.ascontiguousarray(theta, dtype=np.float64), self.hidden)
        nw = [np.negative(wl) for wl in w[:-1]]

        def block(b: int, out: np.ndarray, t: int) -> None:
            """Block b's cost sum and correct count, and its gradient into out."""
            self.costs[b], self.correct[b] = self._block(w, nw, b, self.buffers[t], out, grad)

        self.accumulate(block, pool)
        n = self.data.n
        cost = math.fsum(self.costs.tolist()) / n  # exactly rounded: no order dependence
        accuracy = int(self.correct.sum()) / n
        if not grad:
            return cost, accuracy, None
        g = self.total()
        g /= n
        return cost, accuracy, g

    def _block(
        self,
        w: list[np.ndarray],
        nw: list[np.ndarray],
        b: int,
        bufs: dict[str, Any],
        out_grad: np.ndarray,
        grad: bool,
    ) -> tuple[float, int]:
        """Forward (and backward) pass of block b: squared-error sum, correct count, N * grad."""
        xb, yt, lab = self.data.xs[b], self.data.yts[b], self.data.labels[b]
        m = xb.shape[0]
        acts = [xb.T]
        for a, wl in zip(row_views(bufs["act"][:-1], m, self.sizes[1:-1]), nw, strict=True):
            np.matmul(wl, acts[-1], out=a)
            acts.append(sigmoid_neg_(a))
        out = bufs["act"][-1][: self.sizes[-1] * m].reshape(self.sizes[-1], m)
        np.matmul(w[-1], acts[-1], out=out)
        expit(out, out=out)
        correct = int(np.count_nonzero(np.argmax(out, axis=0) == lab))
        err = bufs["err"][: out.size].reshape(out.shape)
        np.subtract(out, yt, out=err)
        cost = float(np.vdot(err, err))
        if not grad:
            return cost, correct
        # delta = ((out - y) * out) * (1 - out): N * d(J/2)/dz at the output, the naive order
        delta = err
        delta *= out
        np.subtract(1.0, out, out=out)
        delta *= out
        g = unflatten(out_grad, self.hidden)
        backs = row_views(bufs["back"], m, self.sizes[1:-1])
        for k in range(len(w) - 1, -1, -1):
            np.matmul(delta, acts[k].T, out=g[k])
            if k == 0:
                break
            back, a = backs[k - 1], acts[k]
            np.matmul(w[k].T, delta, out=back)
            back *= a
            np.subtract(1.0, a, out=a)
            back *= a
            delta = back
        return cost, correct


@one_blas_thread
def cost_and_grad(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray, hidden: Hidden, threads: int = 1
) -> tuple[float, np.ndarray]:
    """J at theta and the gradient of J/2 as a flat vector: one forward and backward pass."""
    ev = Evaluator(x, y, hidden, threads, TRAIN_BLOCK)
    pool = thread_pool(threads)
    try:
        cost, _, grad = ev.run(theta, True, pool)
    finally:
        if pool is not None:
            pool.shutdown()
    assert grad is not None
    return cost, grad


@one_blas_thread
def cost_and_accuracy(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray, hidden: Hidden, threads: int = 1
) -> tuple[float, float]:
    """J and the accuracy (share of samples whose largest output is the label) at one theta."""
    costs, accuracies = costs_and_accuracies(theta, x, y, hidden, threads)
    return float(costs[0]), float(accuracies[0])


@one_blas_thread
def costs_and_accuracies(
    thetas: np.ndarray, x: np.ndarray, y: np.ndarray, hidden: Hidden, threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """J and accuracy at every row of `thetas`, each as cost_and_accuracy gives it (one setup)."""
    ev = Evaluator(x, y, hidden, threads, TRAIN_BLOCK)
    pool = thread_pool(threads)
    costs, accs = [], []
    try:
        for theta in np.atleast_2d(thetas):
            cost, accuracy, _ = ev.run(theta, False, pool)
            costs.append(cost)
            accs.append(accuracy)
    finally:
        if pool is not None:
            pool.shutdown()
    return np.array(costs, dtype=np.float64), np.array(accs, dtype=np.float64)
