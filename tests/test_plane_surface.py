"""A plane through all weights as a two-coordinate landscape equals the naive reference.

PlaneSurface's J, exact gradient (backprop) and Hessian (second-order forward jets) in
(alpha, beta) against naive_plane_derivatives (the whole theta assembled, full backprop, the
Hessian by complex steps of the whole gradient); the shared analysis and trajectory code on a
plane against the same oracle; the pair's Surface methods against each other.
"""

from __future__ import annotations

import numpy as np
import pytest

from losslandscape.landscape.analysis import critical_points
from losslandscape.landscape.directions import hessian_directions, random_directions
from losslandscape.landscape.pair import PairSlice
from losslandscape.landscape.plane import PlaneSurface
from losslandscape.landscape.trajectory import run_trajectory
from losslandscape.network.model import flatten, init_weights, n_weights
from losslandscape.network.names import parse_pair
from losslandscape.network.training import snapshot_epochs, train
from losslandscape.optimizers import DEFAULTS
from losslandscape.reference import (
    naive_gradients,
    naive_plane_derivatives,
    naive_plane_grid,
    naive_unflatten,
)

U = np.array([0.3, -0.7, 1.1, 0.0])
V = np.array([0.5, 0.2, -0.9, 0.0])


def _plane(small_data, hidden, seed=3, scale=0.3):
    """A random plane (centre, d1, d2) of a network with `hidden` layers."""
    rng = np.random.RandomState(seed)
    p = n_weights(hidden)
    return rng.randn(p) * scale, rng.randn(p) * 0.2, rng.randn(p) * 0.2


@pytest.mark.parametrize("hidden", [[6, 5], [7], [], [4, 3, 5]])
@pytest.mark.parametrize(("threads", "block"), [(1, 512), (3, 7)])
def test_derivatives_equal_naive(small_data, hidden, threads, block):
    x, y = small_data
    centre, d1, d2 = _plane(small_data, hidden)
    s = PlaneSurface(centre, d1, d2, x, y, hidden, threads=threads, block=block)
    cost, grad, hess = s.cost_grad_hess(U, V)
    cost_b, grad_b = s.cost_grad(U, V)
    for i in range(U.shape[0]):
        want_j, want_g, want_h = naive_plane_derivatives(centre, d1, d2, U[i], V[i], x, y, hidden)
        scale = max(1.0, float(np.abs(want_h).max()))
        assert cost[i] == pytest.approx(want_j, rel=1e-13)
        assert cost_b[i] == pytest.approx(want_j, rel=1e-13)
        np.testing.assert_allclose(grad[i], want_g, rtol=0, atol=1e-13 * scale)
        np.testing.assert_allclose(grad_b[i], want_g, rtol=0, atol=1e-13 * scale)
        np.testing.assert_allclose(hess[i], want_h, rtol=0, atol=1e-13 * scale)
        assert hess[i, 0, 1] == hess[i, 1, 0]
        assert abs(want_h[0, 1]) > 1e-6  # a real mixed term, not a trivial zero


def test_gradient_of_half_j_and_grid_equal_naive(small_data):
    x, y = small_data
    hidden = [6, 5]
    centre, d1, d2 = _plane(small_data, hidden)
    s = PlaneSurface(centre, d1, d2, x, y, hidden, threads=2, block=11)
    cost, ga, gb = s.cost_and_grad(U, V)
    f = s.scalar_cost_and_grad()
    for i in range(U.shape[0]):
        want_j, want_g, _ = naive_plane_derivatives(centre, d1, d2, U[i], V[i], x, y, hidden)
        np.testing.assert_allclose([ga[i], gb[i]], want_g / 2, rtol=0, atol=1e-14)
        assert f(U[i], V[i]) == (cost[i], ga[i], gb[i])
    a, b = np.linspace(-1, 1, 4), np.linspace(-0.5, 1.5, 3)
    want_cost, want_acc = naive_plane_grid(centre, d1, d2, a, b, x, y, hidden)
    got_cost, got_acc = s.grid_values(a, b)
    np.testing.assert_allclose(got_cost, want_cost, rtol=1e-13, atol=0)
    assert np.array_equal(got_acc, want_acc)
    assert np.array_equal(s.grid(a, b), got_cost)
    d = s.grid_derivatives(a, b, hessian=False)
    full = s.grid_derivatives(a, b)
    assert d.hess is None and d.shape == full.shape == (3, 4)
    np.testing.assert_allclose(d.grad, full.grad, rtol=0, atol=1e-14)
    np.testing.assert_allclose(d.cost, full.cost, rtol=1e-14, atol=0)


def test_results_do_not_depend_on_threads(small_data):
    x, y = small_data
    hidden = [6, 5]
    centre, d1, d2 = _plane(small_data, hidden)
    a, b = np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)
    one = PlaneSurface(centre, d1, d2, x, y, hidden, threads=1, block=8)
    three = PlaneSurface(centre, d1, d2, x, y, hidden, threads=3, block=8)
    for hessian in (False, True):
        d1_, d3_ = one.grid_derivatives(a, b, hessian), three.grid_derivatives(a, b, hessian)
        assert np.array_equal(d1_.grad, d3_.grad) and np.array_equal(d1_.cost, d3_.cost)
        if hessian:
            assert np.array_equal(d1_.hess, d3_.hess)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_trajectory_on_a_plane_equals_naive_loop(small_data, optimizer):
    """run_trajectory on a plane: each step uses (d1 . grad J/2, d2 . grad J/2) of full backprop."""
    from losslandscape.optimizers import make_step

    x, y = small_data
    hidden = [6, 5]
    centre, d1, d2 = _plane(small_data, hidden)
    s = PlaneSurface(centre, d1, d2, x, y, hidden)
    constants = {**DEFAULTS[optimizer], "lr": 0.5}
    got = run_trajectory(s, optimizer, constants, (0.4, -0.3), 25)
    step_a, step_b = make_step(optimizer, constants), make_step(optimizer, constants)
    a, b = 0.4, -0.3
    for k in range(26):
        grads, cost = naive_gradients(naive_unflatten(centre + a * d1 + b * d2, hidden), x, y)
        g = np.concatenate([gl.ravel() for gl in grads])  # gradient of J/2
        assert got.a[k] == pytest.approx(a, abs=1e-11) and got.b[k] == pytest.approx(b, abs=1e-11)
        assert got.cost[k] == pytest.approx(cost, rel=1e-12)
        a, b = step_a(a, float(d1 @ g), k + 1), step_b(b, float(d2 @ g), k + 1)
    assert abs(got.a[-1] - 0.4) + abs(got.b[-1] + 0.3) > 1e-3  # it moved


def test_critical_points_on_a_trained_plane_are_exact(small_data):
    """Every reported point is a zero of the naive gradient with the naive Hessian's signs."""
    x, y = small_data
    hidden = [4, 3]
    theta0 = flatten(init_weights(5, hidden))
    run = train(theta0, x, y, hidden, "adam", {**DEFAULTS["adam"], "lr": 0.05}, 300,
                snapshot_epochs(300, 3))  # fmt: skip
    found = hessian_directions(run.final, x, y, hidden)
    s = PlaneSurface(run.final, found.d1, found.d2, x, y, hidden, threads=2)
    a = np.linspace(-1.0, 1.0, 15)
    frame = critical_points(s, a, a, tol=1e-10)
    assert list(frame.columns[:2]) == ["alpha", "beta"]
    assert (frame["kind"] == "minimum").sum() >= 1
    for row in frame.itertuples():
        want_j, want_g, want_h = naive_plane_derivatives(
            run.final, found.d1, found.d2, row.alpha, row.beta, x, y, hidden
        )
        assert np.hypot(*want_g) < 1e-9
        assert row.cost == pytest.approx(want_j, rel=1e-12)
        lo, hi = np.linalg.eigvalsh(want_h)
        assert row.eig_min == pytest.approx(lo, rel=1e-8, abs=1e-12)
        assert row.eig_max == pytest.approx(hi, rel=1e-8, abs=1e-12)
        assert row.kind != "minimum" or lo > 0


def test_random_plane_of_the_real_network(small_data):
    """The seeds' 784-50-500-10 network: a few points against the naive reference."""
    x, y = small_data
    hidden = [50, 500]
    centre = flatten(init_weights(135, hidden))
    d1, d2 = random_directions(0, centre, hidden)
    s = PlaneSurface(centre, d1, d2, x, y, hidden, threads=2)
    cost, grad, hess = s.cost_grad_hess(U[:2], V[:2])
    for i in range(2):
        want_j, want_g, want_h = naive_plane_derivatives(centre, d1, d2, U[i], V[i], x, y, hidden)
        assert cost[i] == pytest.approx(want_j, rel=1e-12)
        np.testing.assert_allclose(grad[i], want_g, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(hess[i], want_h, rtol=1e-9, atol=1e-12)


def test_pair_surface_gradient_is_its_hessian_pass(small_data):
    """The pair's cost_grad is cost_grad_hess's J and gradient, and it names (w_a, w_b)."""
    x, y = small_data
    wa, wb = parse_pair("w1-2-3_w2-5-1")
    sl = PairSlice(init_weights(135, [50, 500]), x, y, wa, wb)
    cost, grad = sl.cost_grad(U, V)
    cost2, grad2, _ = sl.cost_grad_hess(U, V)
    assert np.array_equal(cost, cost2) and np.array_equal(grad, grad2)
    assert sl.coordinates == ("w_a", "w_b") and sl.cheap_hessian
    assert PlaneSurface.coordinates == ("alpha", "beta") and not PlaneSurface.cheap_hessian


def test_a_gradient_file_of_another_grid_is_refused(tmp_path):
    """The plane analysis jobs read gradient.parquet only on the grid it was computed on."""
    from losslandscape.io import write_table
    from losslandscape.jobs.readers import read_gradient
    from losslandscape.specs import GridSpec

    grid = GridSpec((-1.0, 1.0), (-1.0, 1.0), 3)
    m1, m2 = np.meshgrid(*grid.axes())
    columns = {"alpha": m1.ravel(), "beta": m2.ravel(), "cost": np.arange(9.0),
               "grad_alpha": np.ones(9), "grad_beta": np.full(9, 2.0)}  # fmt: skip
    path = str(tmp_path / "gradient.parquet")
    write_table(path, columns, {"kind": "plane_gradient", **grid.meta()})
    d = read_gradient(path, grid)
    assert d.hess is None and d.shape == (3, 3)
    assert np.array_equal(d.grad_norm, np.full(9, np.hypot(1.0, 2.0)))
    with pytest.raises(ValueError, match="computed on the grid"):
        read_gradient(path, GridSpec((-1.0, 1.0), (-2.0, 1.0), 3))


def test_every_plane_computation_runs_blas_on_one_thread() -> None:
    """Inside a job BLAS may have the job's threads (OPENBLAS_NUM_THREADS), which can change a
    product's last bits: the plane's computations pin it to one (network.blocks.one_blas_thread),
    whatever calls them (grids, gradients, Hessians, paths, basin runs)."""
    from losslandscape.landscape import plane

    for name in ("values", "cost_grad", "cost_grad_hess"):
        assert hasattr(getattr(plane.PlaneSurface, name), "__wrapped__"), name
    for fn in (plane.line_values, plane.line_costs, plane.project):
        assert hasattr(fn, "__wrapped__"), fn.__name__
