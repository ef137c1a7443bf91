"""Whole-network training: every weight by the optimizer's rule, full or mini-batch, snapshots."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from .. import progress
from ..optimizers import Step, make_step
from .blocks import TRAIN_BLOCK, one_blas_thread, thread_pool
from .evaluate import Evaluator
from .model import Hidden, n_weights


def snapshot_epochs(epochs: int, snapshots: int) -> np.ndarray:
    """Epochs whose full weights a training run keeps: `snapshots` evenly spaced, deduplicated."""
    return np.unique(np.linspace(0, epochs, snapshots).round().astype(int))


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """A whole-network training run: per-epoch records, kept snapshots and the final weights.

    Row k of epoch/cost/accuracy is the state after k epochs (row 0 the initial network), J and
    accuracy on all N samples. snapshots[i] is theta at snapshot_epochs[i]. diverged_at is the
    epoch whose weights, cost or gradient (of a mini-batch run: any of its batches') was not
    finite (the records end there, that state included), else None. final is the state after
    all updates, or the last recorded state of a diverged run.
    """

    epoch: np.ndarray
    cost: np.ndarray
    accuracy: np.ndarray
    snapshot_epochs: np.ndarray
    snapshots: np.ndarray
    diverged_at: int | None
    final: np.ndarray


def batch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order in which epoch `epoch` (from 0) of a mini-batch run of `seed` visits N samples.

    numpy.random.default_rng([seed, epoch]).permutation(n): the same for every run of a seed
    (every optimizer sees the same batches), independent of the epochs before it.
    """
    return np.random.default_rng([int(seed), int(epoch)]).permutation(int(n))


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
    batch: int | None = None,
    seed: int = 0,
) -> TrainingRun:
    """Train every weight from theta0 for `epochs` epochs of the optimizer's rule.

    batch None is full batch: one update per epoch. Otherwise an epoch visits the samples once
    in the order batch_order(seed, epoch, N), in consecutive batches of `batch` samples (the last
    possibly smaller), one update per batch with the gradient of that batch's J/2; optimizer
    state carries on across batches and epochs, and t counts updates. Either way row k of the
    records is the state after k epochs with J and accuracy on all N samples, and theta is kept
    at the epochs `snapshot_at` (e.g. snapshot_epochs(epochs, 11)). Never raises on divergence.
    """
    if isinstance(snapshot_at, (int, np.integer)):
        raise TypeError("snapshot_at takes the epochs to keep, e.g. snapshot_epochs(epochs, 11)")
    theta = np.array(theta0, dtype=np.float64, copy=True)
    p = n_weights(hidden)
    if theta.shape != (p,):
        raise ValueError(f"theta0 must be flat with {p} weights, got shape {theta.shape}")
    if batch is not None and (
        isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1
    ):
        raise ValueError(f"batch must be None (full batch) or an integer >= 1, got {batch!r}")
    step = make_step(optimizer, dict(constants or {}))
    wanted = {int(e) for e in np.asarray(list(snapshot_at)).ravel()}
    ev = Evaluator(x, y, hidden, threads, TRAIN_BLOCK)
    record = _Records(wanted)
    progress.expect(int(epochs))
    pool = thread_pool(threads)
    try:
        with np.errstate(all="ignore"):
            if batch is None:
                theta = _full_batch(theta, ev, step, int(epochs), record, pool)
            else:
                batches = _Batches(x, y, hidden, threads, int(batch), int(seed))
                theta = _mini_batch(theta, ev, batches, step, int(epochs), record, pool)
    finally:
        if pool is not None:
            pool.shutdown()
    return TrainingRun(
        epoch=np.arange(len(record.costs), dtype=np.int64),
        cost=np.array(record.costs, dtype=np.float64),
        accuracy=np.array(record.accs, dtype=np.float64),
        snapshot_epochs=np.array(record.kept_epochs, dtype=np.int64),
        snapshots=np.array(record.kept, dtype=np.float64).reshape(len(record.kept), p),
        diverged_at=record.diverged,
        final=theta,
    )


class _Records:
    """A run's per-epoch records, kept snapshots and the epoch it diverged at, as they come."""

    def __init__(self, wanted: set[int]) -> None:
        """Empty records; theta is kept at the epochs in `wanted`."""
        self.wanted = wanted
        self.costs: list[float] = []
        self.accs: list[float] = []
        self.kept: list[np.ndarray] = []
        self.kept_epochs: list[int] = []
        self.diverged: int | None = None

    def add(self, k: int, theta: np.ndarray, cost: float, accuracy: float) -> None:
        """Record the state after k epochs (and keep theta if k is a snapshot epoch)."""
        self.costs.append(cost)
        self.accs.append(accuracy)
        if k in self.wanted:
            self.kept.append(theta.copy())
            self.kept_epochs.append(k)


def _full_batch(
    theta: np.ndarray,
    ev: Evaluator,
    step: Step,
    epochs: int,
    record: _Records,
    pool: Executor | None,
) -> np.ndarray:
    """Full-batch epochs: one pass per epoch gives the state's J and the next update's gradient.

    The final state gets one more forward pass. Returns the final (or last recorded) theta.
    """
    for k in range(epochs + 1):
        if k:
            progress.advance()
        finite = bool(np.isfinite(theta).all())
        want_grad = finite and k < epochs
        cost, accuracy, grad = ev.run(theta, want_grad, pool)
        record.add(k, theta, cost, accuracy)
        if not finite or not math.isfinite(cost):
            record.diverged = k
            break
        if grad is None:  # the last epoch: nothing left to update
            break
        if not np.isfinite(grad).all():
            record.diverged = k
            break
        theta = np.asarray(step(theta, grad, k + 1), dtype=np.float64)
    return theta


class _Batches:
    """An epoch's batches: rows of the data in batch_order, each with its own Evaluator."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, hidden: Hidden, threads: int, batch: int, seed: int
    ) -> None:
        """The whole data and the batch recipe."""
        self.x = np.ascontiguousarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        self.hidden, self.threads = list(hidden), threads
        self.n, self.batch, self.seed = self.x.shape[0], batch, seed

    def epoch(self, k: int) -> Iterator[Evaluator]:
        """Evaluators on the batches of epoch k (from 0), in order: the gradient of each's J/2."""
        order = batch_order(self.seed, k, self.n)
        for i in range(0, self.n, self.batch):
            rows = order[i : i + self.batch]
            yield Evaluator(self.x[rows], self.y[rows], self.hidden, self.threads, TRAIN_BLOCK)


def _mini_batch(
    theta: np.ndarray,
    ev: Evaluator,
    batches: _Batches,
    step: Step,
    epochs: int,
    record: _Records,
    pool: Executor | None,
) -> np.ndarray:
    """Mini-batch epochs: J on all samples at each epoch's state, then one update per batch.

    A non-finite gradient, or weights that turn non-finite before the epoch's last update, stop
    the run at that epoch (its state is the last recorded one and the one returned); weights
    that turn non-finite at the last update are recorded as the next epoch's state, as in a full
    batch run.
    """
    t = 0
    for k in range(epochs + 1):
        if k:
            progress.advance()
        finite = bool(np.isfinite(theta).all())
        cost, accuracy, _ = ev.run(theta, False, pool)
        record.add(k, theta, cost, accuracy)
        if not finite or not math.isfinite(cost):
            record.diverged = k
            break
        if k == epochs:
            break
        start = theta
        for i, bev in enumerate(batches.epoch(k)):
            if i and not np.isfinite(theta).all():
                record.diverged = k
                return start
            _, _, grad = bev.run(theta, True, pool)
            assert grad is not None
            if not np.isfinite(grad).all():
                record.diverged = k
                return start
            t += 1
            theta = np.asarray(step(theta, grad, t), dtype=np.float64)
    return theta
