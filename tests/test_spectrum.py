"""Sharpness and the Hessian spectrum (losslandscape.network.spectrum) against a dense Hessian.

The oracle is the complex-step Hessian of the naive whole-matrix backprop
(reference.naive_hessian, exact to rounding) on a network small enough to hold it: hidden [4, 6],
3,220 weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from losslandscape.network.curvature import Curvature
from losslandscape.network.model import flatten, init_weights, n_weights
from losslandscape.network.spectrum import (
    SHARPNESS_TOL,
    density,
    hessian_half,
    quadrature,
    rademacher_probes,
    sharpness,
    spectrum,
    start_vector,
    top_eigen,
    top_eigen_refined,
)
from losslandscape.network.training import snapshot_epochs, train
from losslandscape.optimizers import stability_threshold
from losslandscape.reference import naive_hessian, naive_unflatten

HIDDEN = [4, 6]
P = n_weights(HIDDEN)


@pytest.fixture(scope="module")
def path(small_data_module) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A short full-batch run on the small network: (x, y, snapshot epochs, snapshots)."""
    x, y = small_data_module
    theta0 = flatten(init_weights(3, HIDDEN, "scaled"))
    kept = snapshot_epochs(60, 7)
    run = train(theta0, x, y, HIDDEN, "sgd", {"lr": 2.0}, 60, kept)
    return x, y, np.asarray(run.snapshot_epochs), np.asarray(run.snapshots)


@pytest.fixture(scope="module")
def small_data_module() -> tuple[np.ndarray, np.ndarray]:
    """30 sparse random 'images' and one-hot targets (as conftest's small_data)."""
    rng = np.random.RandomState(7)
    x = rng.rand(30, 784) * (rng.rand(30, 784) < 0.3)
    return x, np.eye(10)[rng.randint(0, 10, 30)]


def dense_half(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The dense Hessian of J/2 at theta (complex step of the naive gradient of J, halved)."""
    return naive_hessian(naive_unflatten(theta, HIDDEN), x, y) / 2.0


def test_sharpness_equals_the_dense_hessians_top_eigenvalues_at_every_snapshot(path) -> None:
    """Warm-started along the run, every snapshot's k largest eigenvalues equal the dense ones
    to 1e-8 relative, and the eigenvectors are eigenvectors."""
    x, y, epochs, thetas = path
    got = sharpness(thetas, epochs, x, y, HIDDEN, 3, seed=3)
    assert got.values.shape == (len(epochs), 3)
    for i, theta in enumerate(thetas):
        want = np.linalg.eigvalsh(dense_half(theta, x, y))[::-1][:3]
        np.testing.assert_allclose(got.values[i], want, rtol=1e-8, atol=0)
        assert np.all(np.diff(got.values[i]) <= 0)
    assert np.all(got.products > 0)


def test_warm_start_needs_fewer_products_than_cold(path) -> None:
    """Starting from the previous snapshot's eigenvectors saves Hessian-vector products over
    the same snapshots started cold (a random vector each), and finds the same values."""
    x, y, epochs, thetas = path
    warm = sharpness(thetas, epochs, x, y, HIDDEN, 2, seed=3)
    cold_products, cold_values = [], []
    for theta, epoch in zip(thetas, epochs, strict=True):
        curv = Curvature(theta, x, y, HIDDEN, 1)
        rough = hessian_half(curv.rounded())
        got = top_eigen_refined(hessian_half(curv), rough, start_vector(3, int(epoch), P, None), 2)
        cold_products.append(got.start_products + got.products)
        cold_values.append(got.values)
    np.testing.assert_allclose(warm.values, cold_values, rtol=1e-8)
    spent = warm.start_products + warm.products
    assert spent[1:].sum() < sum(cold_products[1:])


class Counted:
    """A diagonal operator (optionally plus a rank-one term) that counts its products."""

    def __init__(self, diag: np.ndarray, u: np.ndarray | None = None, eps: float = 0.0) -> None:
        self.diag, self.u, self.eps, self.calls = diag, u, eps, 0

    def __call__(self, v: np.ndarray) -> np.ndarray:
        self.calls += 1
        out = self.diag * v
        if self.u is not None:
            out += self.eps * self.u * (self.u @ v)
        return out


def spectrum_with_a_gap() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A diagonal spectrum (three values on top of a bulk in [0, 1]), a unit vector, a start."""
    rng = np.random.default_rng(5)
    diag = np.sort(rng.uniform(0.0, 1.0, 500))
    diag[-3:] = [2.0, 2.5, 3.0]
    u = rng.standard_normal(500)
    return diag, u / np.linalg.norm(u), rng.standard_normal(500)


def exact_residuals(diag: np.ndarray, got) -> np.ndarray:
    """|H z - theta z| of the returned pairs, recomputed from the operator itself."""
    return np.linalg.norm(diag[:, None] * got.vectors - got.vectors * got.values, axis=0)


def test_a_rough_start_is_refined_by_exact_products() -> None:
    """A rough operator slightly off (a rank-one term of 1e-6): its start is accepted after one
    Rayleigh-Ritz step (k + GUARD exact products, the rest rough ones, both counted), and the
    values are the exact operator's to 1e-12, which the rough solver's own are not."""
    diag, u, v0 = spectrum_with_a_gap()
    exact, rough = Counted(diag), Counted(diag, u, 1e-6)
    got = top_eigen_refined(exact, rough, v0, 2)
    assert got.products == exact.calls == 3 and got.start_products == rough.calls > 3
    np.testing.assert_allclose(got.values, [3.0, 2.5], rtol=1e-12, atol=0)
    assert np.all(exact_residuals(diag, got) <= SHARPNESS_TOL * got.values)
    own = top_eigen(Counted(diag, u, 1e-6), v0, 2, tol=1e-12).values
    assert np.max(np.abs(own - [3.0, 2.5])) > 1e-10


def test_a_rough_start_never_changes_the_values() -> None:
    """With a rough operator whose eigenvectors are turned (a rank-one term of 0.05) the
    Rayleigh-Ritz step misses the tolerance and exact Lanczos goes on; with one whose products
    are not finite (float32 overflow) the exact solver runs alone. The values are the exact
    ones either way, the residuals true, every product counted."""
    diag, u, v0 = spectrum_with_a_gap()
    for rough in (Counted(diag, u, 0.05), Counted(diag * np.inf)):
        exact = Counted(diag)
        got = top_eigen_refined(exact, rough, v0, 2)
        assert got.products == exact.calls > 3 and got.start_products == rough.calls >= 1
        np.testing.assert_allclose(got.values, [3.0, 2.5], rtol=1e-10)
        assert np.all(exact_residuals(diag, got) <= SHARPNESS_TOL * got.values)


def test_sharpness_is_the_same_bytes_on_any_number_of_threads(small_data_module) -> None:
    """N = 700 (three sample blocks in three groups): the float32 products add their blocks as
    the float64 ones do, so values, residuals and both product counts do not depend on threads."""
    x1, y1 = small_data_module
    rng = np.random.RandomState(11)
    x = np.vstack([x1, rng.rand(670, 784) * (rng.rand(670, 784) < 0.3)])
    y = np.vstack([y1, np.eye(10)[rng.randint(0, 10, 670)]])
    theta0 = flatten(init_weights(3, HIDDEN, "scaled"))
    run = train(theta0, x, y, HIDDEN, "sgd", {"lr": 2.0}, 20, snapshot_epochs(20, 3))
    thetas, epochs = np.asarray(run.snapshots), np.asarray(run.snapshot_epochs)
    one = sharpness(thetas, epochs, x, y, HIDDEN, 2, seed=3, threads=1)
    three = sharpness(thetas, epochs, x, y, HIDDEN, 2, seed=3, threads=3)
    for a, b in zip(vars(one).values(), vars(three).values(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(one.start_products > 0)


def test_float32_products_are_near_the_exact_ones(path) -> None:
    """Curvature.rounded: products within 1e-6 of the float64 ones (relative norm), float64
    arrays out, its own product count."""
    x, y, _, thetas = path
    curv = Curvature(thetas[-1], x, y, HIDDEN, 1)
    twin = curv.rounded()
    v = np.random.default_rng(0).standard_normal(P)
    exact, rough = curv.apply(v), twin.apply(v)
    assert rough.dtype == np.float64 and twin.count == 1 and curv.count == 1
    assert 0 < np.linalg.norm(rough - exact) <= 1e-6 * np.linalg.norm(exact)


def test_top_eigen_on_a_known_diagonal_matrix() -> None:
    """A diagonal operator with a close pair on top: the two values, their unit vectors."""
    diag = np.linspace(0.0, 1.0, 200)
    diag[-2:] = [3.0, 3.001]
    got = top_eigen(lambda v: diag * v, np.ones(200), 2, tol=1e-10)
    np.testing.assert_allclose(got.values, [3.001, 3.0], rtol=1e-12)
    for j, index in enumerate((199, 198)):
        v = got.vectors[:, j]
        assert abs(abs(v[index]) - 1.0) < 1e-8
    # the guard's Ritz vector is tracked too (the next snapshot's warm start): e_197 here
    assert got.tracked.shape == (200, 3)
    np.testing.assert_array_equal(got.tracked[:, :2], got.vectors)
    assert abs(abs(got.tracked[197, 2]) - 1.0) < 1e-6
    with pytest.raises(ValueError, match="k = 0"):
        top_eigen(lambda v: v, np.ones(3), 0)


def test_a_non_finite_snapshot_gives_nan_and_the_next_starts_cold(path) -> None:
    x, y, epochs, thetas = path
    broken = thetas.copy()
    broken[2, 5] = np.nan
    got = sharpness(broken, epochs, x, y, HIDDEN, 2, seed=3)
    assert np.isnan(got.values[2]).all() and got.products[2] == got.start_products[2] == 0
    want = sharpness(thetas[3:4], epochs[3:4], x, y, HIDDEN, 2, seed=3)  # cold, as after NaN
    np.testing.assert_array_equal(got.values[3], want.values[0])


def test_thresholds_of_the_runs() -> None:
    assert stability_threshold("sgd", {"lr": 0.5}, None) == 4.0
    assert stability_threshold("momentum", {"lr": 0.1, "rho": 0.9}, None) == pytest.approx(38.0)
    assert stability_threshold("sgd", {"lr": 0.5}, 32) is None  # mini-batch: no threshold
    assert stability_threshold("adam", {"lr": 0.001}, None) is None


# ------------------------------------------------------------------------------ spectrum
def test_rademacher_probes_come_from_the_seed_and_epoch() -> None:
    got = rademacher_probes(135, 40, 3, 11)
    want = 2.0 * np.random.default_rng([135, 40]).integers(0, 2, size=(3, 11)) - 1.0
    np.testing.assert_array_equal(got, want)
    assert set(np.unique(got)) == {-1.0, 1.0}
    assert not np.array_equal(got, rademacher_probes(135, 41, 3, 11))


def test_quadrature_moments_equal_the_probes_quadratic_forms(path) -> None:
    """With m Lanczos steps, sum(weight * node**j) = v^T H^j v / v^T v for j <= 2m - 1."""
    x, y, _, thetas = path
    theta = thetas[-1]
    hess = dense_half(theta, x, y)
    steps = 5
    probes = rademacher_probes(1, 60, 2, P)
    quad = quadrature(hessian_half(Curvature(theta, x, y, HIDDEN, 1)), probes, steps)
    scale = np.abs(np.linalg.eigvalsh(hess)).max()
    power = np.eye(P)
    for j in range(2 * steps):
        want = np.array([v @ power @ v / (v @ v) for v in probes])
        np.testing.assert_allclose(quad.moment(j), want, rtol=1e-8, atol=1e-12 * scale**j)
        power = power @ hess
    # and the quadratic forms are v^T H v (the first moment times v^T v)
    np.testing.assert_allclose(quad.quadratic, [v @ hess @ v for v in probes], rtol=1e-10)


def test_hutchinson_with_basis_probes_is_the_exact_trace(path) -> None:
    """Probes sqrt(P) e_i over every i: the trace estimate is trace(H) exactly."""
    x, y, _, thetas = path
    theta = thetas[-1]
    probes = np.sqrt(P) * np.eye(P)
    quad = quadrature(hessian_half(Curvature(theta, x, y, HIDDEN, 1)), probes, 1)
    exact = np.trace(dense_half(theta, x, y))
    assert quad.trace == pytest.approx(exact, rel=1e-10)


def test_hutchinson_with_many_probes_lies_within_three_standard_errors(path) -> None:
    x, y, _, thetas = path
    theta = thetas[-1]
    curv = Curvature(theta, x, y, HIDDEN, 1)
    quad = quadrature(hessian_half(curv), rademacher_probes(3, 60, 400, P), 1)
    exact = np.trace(dense_half(theta, x, y))
    assert abs(quad.trace - exact) <= 3 * quad.trace_stderr
    assert quad.trace_stderr < 0.2 * abs(exact)  # and the error bar says something


def test_density_integrates_to_one_with_the_quadratures_mean_and_variance() -> None:
    """Gaussian broadening keeps the mean of the quadrature and adds sigma^2 to its variance."""
    nodes = [np.array([0.0, 0.1, 2.0]), np.array([-0.05, 0.3, 1.5, 2.2])]
    weights = [np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.4, 0.3, 0.2])]
    d = density(nodes, weights)
    assert np.trapezoid(d.density, d.eigenvalue) == pytest.approx(1.0, abs=1e-12)
    mean = np.mean([w @ n for n, w in zip(nodes, weights, strict=True)])
    second = np.mean([w @ n**2 for n, w in zip(nodes, weights, strict=True)])
    got_mean = np.trapezoid(d.eigenvalue * d.density, d.eigenvalue)
    got_second = np.trapezoid(d.eigenvalue**2 * d.density, d.eigenvalue)
    assert got_mean == pytest.approx(mean, abs=1e-9)
    assert got_second == pytest.approx(second + d.sigma**2, abs=1e-9)
    assert d.sigma == pytest.approx(0.005 * (2.2 + 0.05))


def test_spectrum_of_a_snapshot_is_reproducible_and_traces_agree(path) -> None:
    x, y, epochs, thetas = path
    a = spectrum(thetas[-1], int(epochs[-1]), x, y, HIDDEN, 3, probes=3, steps=8)
    b = spectrum(thetas[-1], int(epochs[-1]), x, y, HIDDEN, 3, probes=3, steps=8, threads=2)
    np.testing.assert_array_equal(a.density.density, b.density.density)
    assert a.quadrature.trace == b.quadrature.trace
    assert len(a.quadrature.nodes) == 3 and all(len(n) == 8 for n in a.quadrature.nodes)
    # the broadened mass sits between the extreme eigenvalues (plus the broadening)
    eig = np.linalg.eigvalsh(dense_half(thetas[-1], x, y))
    assert a.quadrature.nodes[0].max() <= eig[-1] * (1 + 1e-10)
    assert a.quadrature.nodes[0].min() >= eig[0] - 1e-10 * abs(eig).max()


def test_a_warm_start_finds_an_eigenvalue_that_rose_past_the_previous_top() -> None:
    """The start is the previous top eigenvector (now lambda_2 = 1.0) plus the random share; the
    new top, 0.1% above it, must still be found (without the guard pair, GUARD = 0, lambda_1
    came out 1.0 after 17 products: the old vector converged first), by exact Lanczos and by
    the refined solver on float32 products as sharpness runs it."""
    p = 69_200
    diag = np.linspace(0.0, 0.9, p)
    diag[0], diag[1] = 1.001, 1.0  # the new top eigenvector e_0, the old one e_1
    old = np.zeros((p, 1))
    old[1, 0] = 1.0
    v0 = start_vector(135, 20, p, old)
    got = top_eigen(lambda v: diag * v, v0, 1)
    assert got.values[0] == pytest.approx(1.001, rel=1e-8)
    single = diag.astype(np.float32)
    rough = lambda v: (single * v.astype(np.float32)).astype(np.float64)  # noqa: E731
    refined = top_eigen_refined(lambda v: diag * v, rough, v0, 1)
    assert refined.values[0] == pytest.approx(1.001, rel=1e-8)


def test_spectrum_epochs_of_a_diverged_run_are_its_finite_snapshots() -> None:
    from losslandscape.jobs.training import spectrum_epochs

    epochs = np.array([0, 10, 20, 30])
    finite = np.array([True, True, True, False])  # diverged at epoch 30: its snapshot is NaN
    assert spectrum_epochs(["first", "last"], epochs, finite) == [0, 20]
    assert spectrum_epochs([30, 10, "first", 0], epochs, finite) == [10, 0]
    assert spectrum_epochs(["last"], epochs, np.zeros(4, dtype=bool)) == []
