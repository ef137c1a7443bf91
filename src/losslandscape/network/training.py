"""Whole-network training: every weight by the optimizer's rule, full batch, with snapshots."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..optimizers import make_step
from .blocks import TRAIN_BLOCK, one_blas_thread, thread_pool
from .evaluate import Evaluator
from .model import Hidden, n_weights


def snapshot_epochs(epochs: int, snapshots: int) -> np.ndarray:
    """Epochs whose full weights a training run keeps: `snapshots` evenly spaced, deduplicated."""
    return np.unique(np.linspace(0, epochs, snapshots).round().astype(int))


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """A whole-network training run: per-epoch records, kept snapshots and the final weights.

    Row k of epoch/cost/accuracy is the state after k updates (row 0 the initial network).
    snapshots[i] is theta at snapshot_epochs[i]. diverged_at is the epoch whose weights, cost or
    gradient was not finite (the records end there, that state included), else None. final is
    the state after all updates, or the last recorded state of a diverged run.
    """

    epoch: np.ndarray
    cost: np.ndarray
    accuracy: np.ndarray
    snapshot_epochs: np.ndarray
    snapshots: np.ndarray
    diverged_at: int | None
    final: np.ndarray


@one_blas_thread
def train(
    theta0: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    optimizer: str,
    constants: dict[str, float] | None,
    epochs: int,
    snapshot_at: Iterable[int],
    threads: int = 1,
) -> TrainingRun:
    """Train every weight from theta0, full batch, `epochs` updates of the optimizer's rule.

    theta is kept at the epochs `snapshot_at` (e.g. snapshot_epochs(epochs, 11)). One forward
    and backward pass per epoch gives the state's cost and accuracy and the gradient of the next
    update; the final state gets one more forward pass. Never raises on divergence.
    """
    if isinstance(snapshot_at, (int, np.integer)):
        raise TypeError("snapshot_at takes the epochs to keep, e.g. snapshot_epochs(epochs, 11)")
    theta = np.array(theta0, dtype=np.float64, copy=True)
    p = n_weights(hidden)
    if theta.shape != (p,):
        raise ValueError(f"theta0 must be flat with {p} weights, got shape {theta.shape}")
    epochs = int(epochs)
    step = make_step(optimizer, dict(constants or {}))
    wanted = {int(e) for e in np.asarray(list(snapshot_at)).ravel()}
    ev = Evaluator(x, y, hidden, threads, TRAIN_BLOCK)
    costs: list[float] = []
    accs: list[float] = []
    kept: list[np.ndarray] = []
    kept_epochs: list[int] = []
    diverged: int | None = None
    pool = thread_pool(threads)
    try:
        with np.errstate(all="ignore"):
            for k in range(epochs + 1):
                finite = bool(np.isfinite(theta).all())
                want_grad = finite and k < epochs
                cost, accuracy, grad = ev.run(theta, want_grad, pool)
                costs.append(cost)
                accs.append(accuracy)
                if k in wanted:
                    kept.append(theta.copy())
                    kept_epochs.append(k)
                if not finite or not math.isfinite(cost):
                    diverged = k
                    break
                if grad is None:  # the last epoch: nothing left to update
                    break
                if not np.isfinite(grad).all():
                    diverged = k
                    break
                theta = np.asarray(step(theta, grad, k + 1), dtype=np.float64)
    finally:
        if pool is not None:
            pool.shutdown()
    return TrainingRun(
        epoch=np.arange(len(costs), dtype=np.int64),
        cost=np.array(costs, dtype=np.float64),
        accuracy=np.array(accs, dtype=np.float64),
        snapshot_epochs=np.array(kept_epochs, dtype=np.int64),
        snapshots=np.array(kept, dtype=np.float64).reshape(len(kept), p),
        diverged_at=diverged,
        final=theta,
    )
