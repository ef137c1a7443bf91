"""Sample blocks and threads: how every whole-network computation spreads its work.

Work runs on fixed blocks of samples (memory stays bounded whatever N) and spreads over
`threads` threads with results that do not depend on the thread count. Public functions run
BLAS on one thread (threadpoolctl, whatever OPENBLAS_NUM_THREADS says): BLAS threads inside
worker threads made a plane 40x slower, and the number of BLAS threads can change a product's
last bits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from .model import Hidden, layer_sizes, n_weights

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

#: Samples per block of the training pass (forward, backward, Hessian-vector products): small
#: enough that N = 1,000 already gives two threads work.
TRAIN_BLOCK = 256
#: Blocks are summed in at most this many fixed groups (each a row of P weights), so threads
#: share the work (up to this many) while memory stays bounded whatever N.
MAX_GROUPS = 16


def one_blas_thread(fn: F) -> F:
    """Run `fn` with BLAS on one thread: the work spreads over its own threads, bits fixed."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Samples:
    """The data cut into fixed blocks of samples: inputs (views), targets transposed, labels."""

    n: int
    xs: list[np.ndarray]
    yts: list[np.ndarray]
    labels: list[np.ndarray]

    @property
    def widest(self) -> int:
        """Samples in the largest block."""
        return max(xb.shape[0] for xb in self.xs)


def sample_blocks(x: np.ndarray, y: np.ndarray, block: int) -> Samples:
    """Blocks of at most `block` samples of (x (N, 784), y (N, 10)); the label is argmax y."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sizes = layer_sizes([])
    if x.ndim != 2 or x.shape[1] != sizes[0] or x.shape[0] == 0:
        raise ValueError(f"x must be (N, {sizes[0]}) with N >= 1, got shape {x.shape}")
    if y.shape != (x.shape[0], sizes[-1]):
        raise ValueError(f"y must be ({x.shape[0]}, {sizes[-1]}), got shape {y.shape}")
    n, block = x.shape[0], max(1, int(block))
    starts = range(0, n, block)
    labels = np.argmax(y, axis=1)
    return Samples(
        n=n,
        xs=[x[i : i + block] for i in starts],
        yts=[np.ascontiguousarray(y[i : i + block].T) for i in starts],
        labels=[labels[i : i + block] for i in starts],
    )


def chunks(n: int, parts: int) -> list[range]:
    """0..n-1 cut into at most `parts` contiguous, nearly equal ranges."""
    parts = max(1, min(int(parts), n))
    bounds = [round(k * n / parts) for k in range(parts + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(parts) if bounds[k + 1] > bounds[k]]


def map_ordered(fn: Callable[[Any], T], items: Iterable[Any], pool: Executor | None) -> list[T]:
    """fn over items, on the pool's threads if given; results in item order."""
    return list(pool.map(fn, items)) if pool is not None else [fn(item) for item in items]


def thread_pool(threads: int) -> ThreadPoolExecutor | None:
    """A pool of `threads` threads, or None for one (work then runs in the caller's thread)."""
    return ThreadPoolExecutor(int(threads)) if int(threads) > 1 else None


def row_views(buffers: list[np.ndarray], m: int, shapes: Sequence[int]) -> list[np.ndarray]:
    """Contiguous (rows, m) views at the start of flat buffers, one per entry of shapes."""
    return [buf[: rows * m].reshape(rows, m) for buf, rows in zip(buffers, shapes, strict=True)]


# ---------------------------------------------------------------------------- forward, gradient
class Blocked:
    """Fixed sample blocks in fixed groups, and flat per-group sums spread over threads.

    Blocks and groups depend only on N, never on the thread count: each group adds its blocks'
    contributions in block order into its own row, and the rows are added in group order, so
    results are the same bytes whatever the number of threads. Threads take contiguous runs of
    groups.
    """

    def __init__(
        self, x: np.ndarray, y: np.ndarray, hidden: Hidden, threads: int, block: int
    ) -> None:
        """Cut the data into blocks and groups; one scratch row per thread."""
        self.hidden = list(hidden)
        self.sizes = layer_sizes(self.hidden)
        self.p = n_weights(self.hidden)
        self.data = sample_blocks(x, y, block)
        n_blocks = len(self.data.xs)
        self.groups = chunks(n_blocks, min(n_blocks, MAX_GROUPS))
        self.assign = chunks(len(self.groups), threads)
        self.rows = np.empty((len(self.groups), self.p))
        self.scratch = [np.empty(self.p) for _ in self.assign]

    def accumulate(self, fn: Callable[[int, np.ndarray, int], None], pool: Executor | None) -> None:
        """fn(block, flat output, thread) over all blocks; each group's sum lands in its row."""

        def thread(t: int) -> None:
            """One thread's groups, block by block."""
            with np.errstate(all="ignore"):
                for g in self.assign[t]:
                    for i, b in enumerate(self.groups[g]):
                        if i == 0:
                            fn(b, self.rows[g], t)
                        else:
                            fn(b, self.scratch[t], t)
                            self.rows[g] += self.scratch[t]

        map_ordered(thread, range(len(self.assign)), pool)

    def total(self) -> np.ndarray:
        """The rows added in group order (a new flat array)."""
        out = self.rows[0].copy()
        for row in self.rows[1:]:
            out += row
        return out
