"""Whole-network landscapes: every weight moves, along planes and lines through weight space.

The network is the source documents' MLP (784 -> hidden... -> 10, sigmoid after every layer,
no biases).
A network is one flat vector theta: w0, w1, ... each raveled row-major and concatenated. This
module trains the whole network (every weight by the optimizer's rule, full batch), finds
directions (filter-normalised random ones, principal components of a training path, the top
Hessian eigenvectors), and evaluates the cost J and the accuracy on a plane
theta(alpha, beta) = centre + alpha d1 + beta d2, on a line, or at single points.

Everything is exact: the same arithmetic as a full forward pass, up to summation order. Work runs
on blocks of samples (memory stays bounded whatever N) and spreads over `threads` threads with
results that do not depend on the thread count. Every public function runs BLAS on one thread
(threadpoolctl, whatever OPENBLAS_NUM_THREADS says): BLAS threads inside worker threads made a
plane 40x slower, and the number of BLAS threads can change a product's last bits.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh
from scipy.special import expit
from threadpoolctl import threadpool_limits

from .names import layer_sizes
from .optimizers import make_step

F = TypeVar("F", bound=Callable[..., Any])


def one_blas_thread(fn: F) -> F:
    """Run `fn` with BLAS on one thread: the work spreads over its own threads, bits fixed."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


__all__ = [
    "HessianDirections",
    "PcaDirections",
    "TrainingRun",
    "cost_and_accuracy",
    "cost_and_grad",
    "flatten",
    "hessian_directions",
    "hvp",
    "line_costs",
    "n_weights",
    "pca_directions",
    "plane_grid",
    "project",
    "random_directions",
    "sigmoid_neg_",
    "snapshot_epochs",
    "train",
    "unflatten",
    "weight_names",
]

#: Samples per block of the training pass (forward, backward, Hessian-vector products): small
#: enough that N = 1,000 already gives two threads work.
TRAIN_BLOCK = 256
#: Blocks are summed in at most this many fixed groups (each a row of P weights), so threads
#: share the work (up to this many) while memory stays bounded whatever N.
MAX_GROUPS = 16
#: Samples per block of plane and line evaluation: a 500-unit layer's block is 2 MB.
PLANE_BLOCK = 512
#: Stopping tolerance of the Hessian eigensolver (relative): eigenvalues well within 1e-8.
EIGSH_TOL = 1e-10

T = TypeVar("T")
Hidden = Sequence[int]


# ---------------------------------------------------------------------------- flat weights
def _shapes(hidden: Hidden) -> list[tuple[int, int]]:
    """(rows, columns) of every weight matrix, input layer first."""
    sizes = layer_sizes(list(hidden))
    return [(sizes[k + 1], sizes[k]) for k in range(len(sizes) - 1)]


def n_weights(hidden: Hidden) -> int:
    """Number of weights P of the network, the length of a flat theta."""
    return sum(r * c for r, c in _shapes(hidden))


def flatten(weights: Sequence[np.ndarray]) -> np.ndarray:
    """The flat float64 theta of weight matrices: each raveled row-major, concatenated (a copy)."""
    return np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w in weights])


def unflatten(theta: np.ndarray, hidden: Hidden) -> list[np.ndarray]:
    """The weight matrices of a flat theta, as views of it (copies only if theta is strided)."""
    theta = np.asarray(theta)
    shapes = _shapes(hidden)
    total = sum(r * c for r, c in shapes)
    if theta.ndim != 1 or theta.shape[0] != total:
        raise ValueError(f"theta must be flat with {total} weights, got shape {theta.shape}")
    out, offset = [], 0
    for r, c in shapes:
        out.append(theta[offset : offset + r * c].reshape(r, c))
        offset += r * c
    return out


def weight_names(hidden: Hidden) -> list[str]:
    """Name `w{L}-{i}-{j}` of every entry of theta, in flat order, for tables of weights."""
    return [
        f"w{layer}-{i}-{j}"
        for layer, (rows, cols) in enumerate(_shapes(hidden))
        for i in range(rows)
        for j in range(cols)
    ]


def snapshot_epochs(epochs: int, snapshots: int) -> np.ndarray:
    """Epochs whose full weights a training run keeps: `snapshots` evenly spaced, deduplicated."""
    return np.unique(np.linspace(0, epochs, snapshots).round().astype(int))


def _orient(v: np.ndarray) -> np.ndarray:
    """v with the sign making its largest-magnitude entry positive (first on ties): a fixed sign."""
    return -v if v[int(np.argmax(np.abs(v)))] < 0 else v


# ---------------------------------------------------------------------------- samples, threads
def sigmoid_neg_(s: np.ndarray) -> np.ndarray:
    """In place: s, holding a negated pre-activation -z, becomes the logistic 1/(1+exp(-z)).

    Taking -z saves a negation pass, and numpy's division beats its reciprocal; overflow of exp
    gives the exact limit 0.
    """
    with np.errstate(over="ignore"):
        np.exp(s, out=s)
    s += 1.0
    np.divide(1.0, s, out=s)
    return s


@dataclass(frozen=True)
class _Samples:
    """The data cut into fixed blocks of samples: inputs (views), targets transposed, labels."""

    n: int
    xs: list[np.ndarray]
    yts: list[np.ndarray]
    labels: list[np.ndarray]

    @property
    def widest(self) -> int:
        """Samples in the largest block."""
        return max(xb.shape[0] for xb in self.xs)


def _samples(x: np.ndarray, y: np.ndarray, block: int) -> _Samples:
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
    return _Samples(
        n=n,
        xs=[x[i : i + block] for i in starts],
        yts=[np.ascontiguousarray(y[i : i + block].T) for i in starts],
        labels=[labels[i : i + block] for i in starts],
    )


def _chunks(n: int, parts: int) -> list[range]:
    """0..n-1 cut into at most `parts` contiguous, nearly equal ranges."""
    parts = max(1, min(int(parts), n))
    bounds = [round(k * n / parts) for k in range(parts + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(parts) if bounds[k + 1] > bounds[k]]


def _map(fn: Callable[[Any], T], items: Iterable[Any], pool: Executor | None) -> list[T]:
    """fn over items, on the pool's threads if given; results in item order."""
    return list(pool.map(fn, items)) if pool is not None else [fn(item) for item in items]


def _pool(threads: int) -> ThreadPoolExecutor | None:
    """A pool of `threads` threads, or None for one (work then runs in the caller's thread)."""
    return ThreadPoolExecutor(int(threads)) if int(threads) > 1 else None


def _views(buffers: list[np.ndarray], m: int, shapes: Sequence[int]) -> list[np.ndarray]:
    """Contiguous (rows, m) views at the start of flat buffers, one per entry of shapes."""
    return [buf[: rows * m].reshape(rows, m) for buf, rows in zip(buffers, shapes, strict=True)]


# ---------------------------------------------------------------------------- forward, gradient
class _Blocked:
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
        self.data = _samples(x, y, block)
        n_blocks = len(self.data.xs)
        self.groups = _chunks(n_blocks, min(n_blocks, MAX_GROUPS))
        self.assign = _chunks(len(self.groups), threads)
        self.rows = np.empty((len(self.groups), self.p))
        self.scratch = [np.empty(self.p) for _ in self.assign]

    def _accumulate(
        self, fn: Callable[[int, np.ndarray, int], None], pool: Executor | None
    ) -> None:
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

        _map(thread, range(len(self.assign)), pool)

    def _total(self) -> np.ndarray:
        """The rows added in group order (a new flat array)."""
        out = self.rows[0].copy()
        for row in self.rows[1:]:
            out += row
        return out


class _Evaluator(_Blocked):
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

        self._accumulate(block, pool)
        n = self.data.n
        cost = math.fsum(self.costs.tolist()) / n  # exactly rounded: no order dependence
        accuracy = int(self.correct.sum()) / n
        if not grad:
            return cost, accuracy, None
        g = self._total()
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
        for a, wl in zip(_views(bufs["act"][:-1], m, self.sizes[1:-1]), nw, strict=True):
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
        backs = _views(bufs["back"], m, self.sizes[1:-1])
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
    ev = _Evaluator(x, y, hidden, threads, TRAIN_BLOCK)
    pool = _pool(threads)
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
    ev = _Evaluator(x, y, hidden, threads, TRAIN_BLOCK)
    pool = _pool(threads)
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


# ---------------------------------------------------------------------------- training
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
    ev = _Evaluator(x, y, hidden, threads, TRAIN_BLOCK)
    costs: list[float] = []
    accs: list[float] = []
    kept: list[np.ndarray] = []
    kept_epochs: list[int] = []
    diverged: int | None = None
    pool = _pool(threads)
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


# ---------------------------------------------------------------------------- curvature
class _Curvature(_Blocked):
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

        def prepare(b: int) -> dict[str, list[np.ndarray]]:
            """Block b's cached quantities, with floating-point warnings off in this thread."""
            with np.errstate(all="ignore"):
                return self._prepare(b)

        self.cache = _map(prepare, range(len(self.data.xs)), pool)

    def _prepare(self, b: int) -> dict[str, list[np.ndarray]]:
        """Activations a, slopes s, deltas and q of block b at theta (index l = layer l output)."""
        xb, yt = self.data.xs[b], self.data.yts[b]
        acts: list[np.ndarray] = [xb.T]
        for wl in self.w[:-1]:
            acts.append(sigmoid_neg_(np.matmul(np.negative(wl), acts[-1])))
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

    def apply(self, v: np.ndarray, pool: Executor | None = None) -> np.ndarray:
        """H v, the Hessian of J at theta times the flat vector v (a new flat array)."""
        self.count += 1
        vs = unflatten(np.ascontiguousarray(v, dtype=np.float64).ravel(), self.hidden)
        self._accumulate(lambda b, out, t: self._r_block(vs, b, out), pool)
        out = self._total()
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
            z = vs[k] @ acts[k]
            if k > 0:
                z += w[k] @ ra[k]
            rz[k + 1] = z
            ra[k + 1] = s[k + 1] * z
        rdelta = c["top"][0] * rz[n_layers]
        out = unflatten(out_flat, self.hidden)
        for k in range(n_layers - 1, -1, -1):
            np.matmul(rdelta, acts[k].T, out=out[k])
            if k == 0:
                break
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
    pool = _pool(threads)
    try:
        return _Curvature(theta, x, y, hidden, threads, pool).apply(v, pool)
    finally:
        if pool is not None:
            pool.shutdown()


@dataclass(frozen=True, eq=False)
class HessianDirections:
    """Top-two Hessian eigenvectors (unit, fixed sign), their eigenvalues and the HVP count.

    Unpacks as (d1, d2, eigenvalues), like PcaDirections.
    """

    d1: np.ndarray
    d2: np.ndarray
    eigenvalues: np.ndarray
    hvps: int

    def __iter__(self) -> Iterator[np.ndarray]:
        """d1, d2 and the eigenvalues, for `d1, d2, values = hessian_directions(...)`."""
        return iter((self.d1, self.d2, self.eigenvalues))


@one_blas_thread
def hessian_directions(
    centre: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    threads: int = 1,
    tol: float = EIGSH_TOL,
) -> HessianDirections:
    """Eigenvectors of the Hessian of J at the centre for its two largest eigenvalues.

    Lanczos (scipy's eigsh, which="LA") on exact Hessian-vector products from a fixed start
    vector, so the result is reproducible; eigenvalues in descending order.
    """
    pool = _pool(threads)
    try:
        op = _Curvature(centre, x, y, hidden, threads, pool)
        p = op.p
        lin = LinearOperator((p, p), matvec=lambda v: op.apply(v, pool), dtype=np.float64)
        v0 = np.random.RandomState(0).randn(p)
        values, vectors = eigsh(lin, k=2, which="LA", v0=v0, tol=tol)
    finally:
        if pool is not None:
            pool.shutdown()
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    d1 = _orient(np.ascontiguousarray(vectors[:, 0]))
    d2 = _orient(np.ascontiguousarray(vectors[:, 1]))
    return HessianDirections(d1, d2, np.asarray(values, dtype=np.float64), op.count)


# ---------------------------------------------------------------------------- directions
def random_directions(k: int, centre: np.ndarray, hidden: Hidden) -> tuple[np.ndarray, np.ndarray]:
    """Random directions number k, filter-normalised to the centre, for a random plane.

    d1, d2 = RandomState(k).randn(P) twice; each neuron's incoming row of each direction is then
    scaled to the norm of that row in the centre (a zero row there gives a zero row).
    """
    p = n_weights(hidden)
    centre = np.asarray(centre, dtype=np.float64)
    if centre.shape != (p,):
        raise ValueError(f"centre must be flat with {p} weights, got shape {centre.shape}")
    rng = np.random.RandomState(int(k))
    d1, d2 = rng.randn(p), rng.randn(p)
    cs = unflatten(centre, hidden)
    for d in (d1, d2):
        for c, dl in zip(cs, unflatten(d, hidden), strict=True):
            c_norm = np.linalg.norm(c, axis=1)
            d_norm = np.linalg.norm(dl, axis=1)
            scale = np.divide(c_norm, d_norm, out=np.zeros_like(c_norm), where=d_norm > 0)
            dl *= scale[:, None]
    return d1, d2


class PcaDirections(NamedTuple):
    """First two principal directions of a path (unit, fixed sign) and their variance shares."""

    d1: np.ndarray
    d2: np.ndarray
    explained: np.ndarray


@one_blas_thread
def pca_directions(snapshots: np.ndarray, final: np.ndarray) -> PcaDirections:
    """Principal components of the mean-centred (snapshot - final) differences of a path.

    Via the SVD of the (S, P) difference matrix; explained holds each component's share of the
    total variance (zeros when the snapshots do not vary).
    """
    snapshots = np.asarray(snapshots, dtype=np.float64)
    final = np.asarray(final, dtype=np.float64)
    if snapshots.ndim != 2 or snapshots.shape[0] < 2 or snapshots.shape[1] != final.shape[0]:
        raise ValueError(
            f"snapshots must be (S >= 2, {final.shape[0]}) for a final theta of that length, got "
            f"shape {snapshots.shape}"
        )
    diffs = snapshots - final
    diffs -= diffs.mean(axis=0)
    _, sv, vt = np.linalg.svd(diffs, full_matrices=False)
    var = sv * sv
    total = float(var.sum())
    explained = var[:2] / total if total > 0 else np.zeros(2)
    return PcaDirections(
        _orient(np.ascontiguousarray(vt[0])), _orient(np.ascontiguousarray(vt[1])), explained
    )


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


# ---------------------------------------------------------------------------- planes and lines
class _Plane:
    """J and accuracy at theta(alpha, beta) = centre + alpha d1 + beta d2, for many points.

    The first layer's pre-activation is linear in (alpha, beta): C0 x^T, D1_0 x^T and D2_0 x^T
    are computed once (negated, per sample block), so each point's first layer is one
    three-term combination; the layers above run per point on each block with the point's
    weights assembled once.
    """

    def __init__(
        self,
        centre: np.ndarray,
        d1: np.ndarray,
        d2: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        hidden: Hidden,
        block: int,
    ) -> None:
        """Precompute the first layer's three products per block and the upper layers' trios."""
        self.hidden = list(hidden)
        self.sizes = layer_sizes(self.hidden)
        flat = [np.ascontiguousarray(v, dtype=np.float64) for v in (centre, d1, d2)]
        mats = [unflatten(v, self.hidden) for v in flat]
        self.data = _samples(x, y, block)
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
                    views = _views(acts, m, sizes[1:])
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
        return costs, accs


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
    from .plane import PlaneSurface

    plane = PlaneSurface(centre, d1, d2, x, y, hidden, threads=threads, block=block)
    return plane.grid_values(alphas, betas)


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

    Evaluated as the plane through theta_from with d1 = theta_to - theta_from and d2 = 0.
    """
    start = np.asarray(theta_from, dtype=np.float64)
    d1 = np.asarray(theta_to, dtype=np.float64) - start
    return plane_grid(start, d1, np.zeros_like(d1), ts, [0.0], x, y, hidden, threads)
