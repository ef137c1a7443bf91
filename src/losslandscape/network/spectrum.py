"""The Hessian of J/2 over all weights, measured: sharpness and the eigenvalue density.

Both rest on Lanczos with full reorthogonalisation over Hessian-vector products of the
R-operator (curvature.Curvature, never finite differences), the values always from exact
float64 products:

- sharpness: the k largest (algebraic) eigenvalues, stopped when every wanted Ritz pair's
  residual norm is at most `tol` times its Ritz value (SHARPNESS_TOL, FLOOR); GUARD more Ritz
  pairs than asked must converge, so that an eigenvector rising past the previous ones is found
  (a test crosses two eigenvalues 0.1% apart); along a run each snapshot starts from the
  previous snapshot's k + GUARD Ritz vectors plus an equal share of a fixed random vector, runs
  Lanczos on float32 products (half the cost) and refines its Ritz vectors by Rayleigh-Ritz on
  exact float64 products, whose residuals must meet the same tolerance (else float64 Lanczos
  goes on): the values are exact whatever the float32 products were;
- spectrum: stochastic Lanczos quadrature (Ghorbani et al., ICML 2019): per probe v, `steps`
  Lanczos steps from v / |v| give nodes (Ritz values) and weights (squared first components of
  the Ritz vectors) that integrate polynomials up to degree 2 steps - 1 exactly against v's
  spectral measure; the density averages the probes' quadratures, each node broadened by a
  Gaussian. Hutchinson's trace is the mean of v^T H v over the same probes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import progress
from .blocks import one_blas_thread, thread_pool
from .curvature import Curvature
from .model import Hidden

Matvec = Callable[[np.ndarray], np.ndarray]

#: Sharpness stops when each wanted Ritz pair's residual is at most this times its Ritz value
#: (or FLOOR times the largest, for values near zero): an eigenvalue's error is then below the
#: residual and, away from a cluster, near its square over the gap to the next.
SHARPNESS_TOL = 1e-5
FLOOR = 1e-3
#: Ritz pairs beyond the k asked that must converge as well (see top_eigen).
GUARD = 1
#: A cheap start (top_eigen_refined) converges to this share of the tolerance, so that the
#: exact residuals of its vectors, a little above the float32 ones, still meet it (while the
#: float32 error, about 1e-7 of the largest eigenvalue, is well below the tolerance; else the
#: exact solver goes on, correct but dearer).
START_TOL_SHARE = 0.25
#: Lanczos steps at most per snapshot (more means the solver did not converge: an error).
MAX_STEPS = 300
#: Points of a spectrum's eigenvalue grid, and the Gaussian width as a share of the nodes' span.
DENSITY_POINTS = 2001
SIGMA_SHARE = 0.005


class Lanczos:
    """Lanczos on a symmetric operator from v0, full reorthogonalisation, one step at a time."""

    def __init__(self, matvec: Matvec, v0: np.ndarray, max_steps: int) -> None:
        """Start from v0 / |v0|; at most max_steps steps (the basis kept to reorthogonalise)."""
        self.matvec = matvec
        self.basis = np.empty((max_steps + 1, v0.size))
        self.basis[0] = v0 / np.linalg.norm(v0)
        self.alpha: list[float] = []
        self.beta: list[float] = []  # beta[j] couples basis j and j + 1
        self.max_steps = max_steps
        self.broken = False  # the Krylov space is invariant: the quadrature is exact

    @property
    def steps(self) -> int:
        """Steps taken (the tridiagonal matrix's order)."""
        return len(self.alpha)

    def step(self) -> None:
        """One more step: alpha_j, then beta_j and the next basis vector (twice orthogonalised)."""
        j = self.steps
        if j >= self.max_steps or self.broken:
            raise RuntimeError("Lanczos cannot take another step")
        q = self.basis[j]
        w = self.matvec(q)
        a = float(q @ w)
        self.alpha.append(a)
        w -= a * q
        if j:
            w -= self.beta[j - 1] * self.basis[j - 1]
        done = self.basis[: j + 1]
        for _ in range(2):
            w -= done.T @ (done @ w)
        b = float(np.linalg.norm(w))
        self.beta.append(b)
        scale = max(abs(x) for x in self.alpha) or 1.0
        if b <= 1e-12 * scale:
            self.broken = True
        else:
            self.basis[j + 1] = w / b

    def ritz(self) -> tuple[np.ndarray, np.ndarray]:
        """Ritz values, largest first, and the tridiagonal matrix's eigenvectors (columns)."""
        m = self.steps
        t = np.diag(self.alpha) + np.diag(self.beta[: m - 1], 1) + np.diag(self.beta[: m - 1], -1)
        values, vectors = np.linalg.eigh(t)
        return values[::-1], vectors[:, ::-1]

    def residuals(self, vectors: np.ndarray) -> np.ndarray:
        """Residual norms |H y - theta y| of the Ritz pairs (beta_m times the last components)."""
        last = 0.0 if self.broken else self.beta[-1]
        return last * np.abs(vectors[-1])


@dataclass(frozen=True)
class TopEigen:
    """Largest eigenvalues (descending; k of them from top_eigen, one per basis vector from
    rayleigh_ritz), unit eigenvectors (columns), residual norms, the exact products spent;
    `tracked` holds the Ritz vectors of the k + GUARD converged pairs (fewer if the Krylov space
    closed first: the next warm start) and `start_products` the cheaper products spent on a
    start (top_eigen_refined)."""

    values: np.ndarray
    vectors: np.ndarray
    residuals: np.ndarray
    products: int
    tracked: np.ndarray
    start_products: int = 0


def top_eigen(
    matvec: Matvec, v0: np.ndarray, k: int, tol: float = SHARPNESS_TOL, max_steps: int = MAX_STEPS
) -> TopEigen:
    """The k largest eigenpairs of a symmetric operator by Lanczos from v0, to residual tolerance.

    Stops once the residuals of the k + GUARD largest Ritz pairs are at most tol * |their Ritz
    value| (at least FLOOR times the largest one's), or the Krylov space is invariant; raises if
    max_steps steps do not get there.
    """
    p = v0.size
    if not 1 <= k <= p:
        raise ValueError(f"k = {k} eigenvalues asked of an operator of order {p}")
    # GUARD more Ritz pairs than asked must converge too: a warm start's own vectors converge
    # first, and an eigenvalue rising past them needs the steps the guard's pairs take.
    want = min(k + GUARD, p)
    run = Lanczos(matvec, v0, min(max_steps, p))
    while True:
        run.step()
        if run.steps < want and not run.broken:
            continue
        values, s = run.ritz()
        res = run.residuals(s[:, :want])
        if run.broken or _converged(values, res, tol) or run.steps == p:
            if len(values) < k:  # an invariant space smaller than k: the rest are not reached
                raise RuntimeError(f"the start vector spans only {len(values)} eigenvectors")
            tracked = run.basis[: run.steps].T @ s[:, :want]
            return TopEigen(values[:k].copy(), tracked[:, :k], res[:k], run.steps, tracked)
        if run.steps >= run.max_steps:
            raise RuntimeError(
                f"Lanczos did not reach residual {tol:g} in {run.steps} steps (residuals {res})"
            )


def _converged(values: np.ndarray, res: np.ndarray, tol: float) -> bool:
    """Whether every residual is at most tol times its value (FLOOR times the largest at least)."""
    top = abs(values[0])
    scale = np.maximum(np.abs(values[: len(res)]), FLOOR * top) if top else np.ones(len(res))
    return bool(np.all(res <= tol * scale))


def rayleigh_ritz(matvec: Matvec, basis: np.ndarray) -> TopEigen:
    """The Ritz pairs of a symmetric operator on span(basis), largest first, with their residual
    norms |H z - theta z| computed from one product per basis vector."""
    q, _ = np.linalg.qr(basis)
    hq = np.column_stack([matvec(q[:, i]) for i in range(q.shape[1])])
    t = q.T @ hq
    values, w = np.linalg.eigh(0.5 * (t + t.T))
    values, w = values[::-1], w[:, ::-1]
    z = q @ w
    res = np.linalg.norm(hq @ w - z * values, axis=0)
    return TopEigen(values, z, res, q.shape[1], z)


def top_eigen_refined(
    matvec: Matvec, rough: Matvec, v0: np.ndarray, k: int, tol: float = SHARPNESS_TOL
) -> TopEigen:
    """top_eigen of matvec, started cheaply: Lanczos on `rough` (a faster approximation of the
    operator, e.g. Curvature.rounded) to START_TOL_SHARE of tol gives the k + GUARD Ritz vectors;
    Rayleigh-Ritz on them with matvec's own products must then meet tol, else top_eigen of
    matvec runs from v0 plus an equal share of their sum (or from v0 alone when the rough start
    fails: non-finite products, no convergence). The values and residuals are always matvec's:
    `rough` only picks the subspace. `products` counts matvec's calls, `start_products` rough's."""
    calls = [0, 0]

    def exact(v: np.ndarray) -> np.ndarray:
        """matvec, counted."""
        calls[0] += 1
        return matvec(v)

    def cheap(v: np.ndarray) -> np.ndarray:
        """rough, counted; a non-finite product ends the rough start."""
        calls[1] += 1
        out = rough(v)
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("the rough operator gave a non-finite product")
        return out

    try:
        start: TopEigen | None = top_eigen(cheap, v0, k, tol * START_TOL_SHARE)
    except (RuntimeError, FloatingPointError, np.linalg.LinAlgError):
        start = None  # e.g. float32 underflow or overflow: the exact solver alone
    if start is not None:
        got = rayleigh_ritz(exact, start.tracked)
        if len(got.values) >= k and _converged(got.values, got.residuals, tol):
            values, residuals = got.values[:k].copy(), got.residuals[:k]
            return TopEigen(values, got.vectors[:, :k], residuals, calls[0], got.vectors, calls[1])
        s = got.vectors.sum(axis=1)
        v0 = v0 / np.linalg.norm(v0) + s / np.linalg.norm(s)
    again = top_eigen(exact, v0, k, tol)
    return TopEigen(again.values, again.vectors, again.residuals, calls[0], again.tracked, calls[1])


def hessian_half(curv: Curvature, pool: object = None) -> Matvec:
    """v -> H v for the Hessian of J/2 (half of Curvature's Hessian of J)."""

    def matvec(v: np.ndarray) -> np.ndarray:
        """H(J/2) v, a new array."""
        out = curv.apply(v, pool)  # type: ignore[arg-type]
        out *= 0.5
        return out

    return matvec


def start_vector(seed: int, epoch: int, p: int, warm: np.ndarray | None) -> np.ndarray:
    """Lanczos start at a snapshot: a unit normal vector from default_rng([seed, epoch]), plus
    the previous snapshot's Ritz vectors' normalised sum when given (equal shares)."""
    v = np.random.default_rng([seed, epoch]).standard_normal(p)
    v /= np.linalg.norm(v)
    if warm is not None:
        s = warm.sum(axis=1)
        v += s / np.linalg.norm(s)
    return v


@dataclass(frozen=True)
class SharpnessAlongRun:
    """Sharpness along a run: per snapshot the k largest eigenvalues of H(J/2), their residual
    norms and the Hessian-vector products spent, exact (float64) and for the start (float32);
    rows in snapshot order."""

    values: np.ndarray  # (snapshots, k); NaN at a non-finite snapshot
    residuals: np.ndarray
    products: np.ndarray
    start_products: np.ndarray


@one_blas_thread
def sharpness(
    thetas: np.ndarray,
    epochs: Sequence[int],
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    k: int,
    seed: int,
    threads: int = 1,
    tol: float = SHARPNESS_TOL,
) -> SharpnessAlongRun:
    """The k largest eigenvalues of the Hessian of J/2 on (x, y) at every snapshot theta.

    Each snapshot's solver starts warm from the previous one's k + GUARD Ritz vectors
    (start_vector), runs Lanczos on float32 products (Curvature.rounded) and refines the result
    with exact ones (top_eigen_refined); a non-finite snapshot gives NaN and the next one starts
    cold.
    """
    thetas = np.asarray(thetas, dtype=np.float64)
    rows = thetas.shape[0]
    values, residuals = np.full((rows, k), np.nan), np.full((rows, k), np.nan)
    products = np.zeros(rows, dtype=np.int64)
    start_products = np.zeros(rows, dtype=np.int64)
    warm: np.ndarray | None = None
    pool = thread_pool(threads)
    progress.expect(rows)
    try:
        for i, (theta, epoch) in enumerate(zip(thetas, epochs, strict=True)):
            progress.advance()
            if not np.all(np.isfinite(theta)):
                warm = None
                continue
            curv = Curvature(theta, x, y, hidden, threads, pool)
            v0 = start_vector(seed, int(epoch), theta.size, warm)
            rough = hessian_half(curv.rounded(), pool)
            got = top_eigen_refined(hessian_half(curv, pool), rough, v0, k, tol)
            values[i], residuals[i], products[i] = got.values, got.residuals, got.products
            start_products[i] = got.start_products
            warm = got.tracked
            del curv, rough  # one float64 cache and its float32 twin at a time
    finally:
        if pool is not None:
            pool.shutdown()
    return SharpnessAlongRun(values, residuals, products, start_products)


# ------------------------------------------------------------------------------ spectrum
def rademacher_probes(seed: int, epoch: int, probes: int, p: int) -> np.ndarray:
    """`probes` Rademacher vectors (rows of +-1) from numpy.random.default_rng([seed, epoch]):
    entry = 2 * rng.integers(0, 2) - 1, drawn as one (probes, p) array."""
    rng = np.random.default_rng([seed, epoch])
    return 2.0 * rng.integers(0, 2, size=(probes, p)).astype(np.float64) - 1.0


@dataclass(frozen=True)
class Quadrature:
    """Stochastic Lanczos quadrature at one point: per probe its nodes and weights (a probe
    whose Krylov space closes early has fewer) and its quadratic form v^T H v."""

    nodes: list[np.ndarray]
    weights: list[np.ndarray]
    quadratic: np.ndarray

    @property
    def trace(self) -> float:
        """Hutchinson's estimate of trace(H): the mean of v^T H v."""
        return float(np.mean(self.quadratic))

    @property
    def trace_stderr(self) -> float:
        """The estimate's standard error (sample deviation / sqrt(probes)); NaN for one probe."""
        q = self.quadratic
        return float(np.std(q, ddof=1) / np.sqrt(q.size)) if q.size > 1 else float("nan")

    def moment(self, j: int) -> np.ndarray:
        """Per probe, sum of weight * node**j: v^T H^j v / v^T v when j <= 2 steps - 1."""
        return np.array([w @ n**j for n, w in zip(self.nodes, self.weights, strict=True)])


def quadrature(matvec: Matvec, probes: np.ndarray, steps: int) -> Quadrature:
    """Stochastic Lanczos quadrature of a symmetric operator: `steps` steps from every probe."""
    nodes, weights, quadratic = [], [], []
    progress.expect(np.atleast_2d(probes).shape[0])
    for v in np.atleast_2d(probes):
        progress.advance()
        run = Lanczos(matvec, v, min(steps, v.size))
        while run.steps < steps and not run.broken:
            run.step()
        values, s = run.ritz()
        nodes.append(values)
        weights.append(s[0] ** 2)
        quadratic.append(run.alpha[0] * float(v @ v))
    return Quadrature(nodes, weights, np.array(quadratic))


@dataclass(frozen=True)
class Density:
    """An eigenvalue density on a grid: Gaussians of width sigma at the probes' nodes, each
    probe's weights summing to 1/probes, normalised to integrate to 1 (trapezoid rule)."""

    eigenvalue: np.ndarray
    density: np.ndarray
    sigma: float


def density(
    nodes: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    points: int = DENSITY_POINTS,
    sigma: float | None = None,
) -> Density:
    """The broadened density of a quadrature; sigma defaults to SIGMA_SHARE of the nodes' span,
    the grid spans the nodes with 6 sigma to spare on each side."""
    allnodes = np.concatenate([np.asarray(n) for n in nodes])
    low, high = float(allnodes.min()), float(allnodes.max())
    if sigma is None:
        sigma = SIGMA_SHARE * max(high - low, 1e-12 * max(1.0, abs(high)))
    grid = np.linspace(low - 6 * sigma, high + 6 * sigma, points)
    rho = np.zeros(points)
    for n, w in zip(nodes, weights, strict=True):
        z = (grid[:, None] - np.asarray(n)[None, :]) / sigma
        rho += np.exp(-0.5 * z * z) @ np.asarray(w)
    rho /= np.trapezoid(rho, grid)
    return Density(grid, rho, float(sigma))


@dataclass(frozen=True)
class Spectrum:
    """A snapshot's spectrum: its quadrature (nodes, weights, trace) and broadened density."""

    epoch: int
    quadrature: Quadrature
    density: Density


@one_blas_thread
def spectrum(
    theta: np.ndarray,
    epoch: int,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    seed: int,
    probes: int,
    steps: int,
    threads: int = 1,
) -> Spectrum:
    """The Hessian of J/2's eigenvalue density and trace at theta, from `probes` Rademacher
    probes of default_rng([seed, epoch]) and `steps` Lanczos steps each."""
    pool = thread_pool(threads)
    try:
        curv = Curvature(np.asarray(theta, dtype=np.float64), x, y, hidden, threads, pool)
        v = rademacher_probes(seed, epoch, probes, curv.p)
        quad = quadrature(hessian_half(curv, pool), v, steps)
    finally:
        if pool is not None:
            pool.shutdown()
    return Spectrum(int(epoch), quad, density(quad.nodes, quad.weights))
