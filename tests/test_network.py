"""The whole network (losslandscape.network) and its planes and lines equal the naive reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit

from losslandscape.landscape import plane as plane_module
from losslandscape.landscape.directions import hessian_directions, pca_directions, random_directions
from losslandscape.landscape.plane import line_costs, plane_grid, project
from losslandscape.network import curvature, evaluate, training
from losslandscape.network.curvature import hvp
from losslandscape.network.evaluate import cost_and_accuracy, cost_and_grad
from losslandscape.network.model import flatten, init_weights, n_weights, sigmoid_neg_, unflatten
from losslandscape.network.names import parse_weight, weight_names
from losslandscape.network.training import snapshot_epochs, train
from losslandscape.optimizers import DEFAULTS, NAMES
from losslandscape.reference import (
    naive_cost_accuracy,
    naive_gradients,
    naive_hessian,
    naive_plane_grid,
    naive_unflatten,
    naive_whole_train,
)

SEED = 135
HIDDEN = [50, 500]
TINY = [3, 4]  # 2404 weights: small enough for a dense Hessian
ALPHAS = np.linspace(-1.0, 1.0, 5)
BETAS = np.linspace(-0.8, 1.2, 4)


def theta_of(seed: int, hidden: list[int]) -> np.ndarray:
    """The seed's initial network as a flat theta."""
    return flatten(init_weights(seed, hidden))


def oriented(v: np.ndarray) -> np.ndarray:
    """v with its largest-magnitude entry positive, written out independently of the module."""
    i = int(np.argmax(np.abs(v)))
    return v * np.sign(v[i])


# ------------------------------------------------------------------------------ flat weights
def test_flatten_unflatten_are_views_in_row_major_layer_order():
    """Flat theta is w0, w1, w2 raveled in order; unflatten gives views, so writes go through."""
    weights = init_weights(SEED, HIDDEN)
    theta = flatten(weights)
    assert theta.shape == (n_weights(HIDDEN),) == (784 * 50 + 50 * 500 + 500 * 10,)
    mats = unflatten(theta, HIDDEN)
    for got, want in zip(mats, weights, strict=True):
        assert np.shares_memory(got, theta)
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(theta[:784], weights[0][0])
    mats[1][2, 3] = 99.0  # a view: writing through it changes theta
    assert theta[784 * 50 + 2 * 50 + 3] == 99.0
    with pytest.raises(ValueError, match="flat with 69200"):
        unflatten(theta[:-1], HIDDEN)


def test_weight_names_follow_the_flat_order():
    """Every name w{L}-{i}-{j} points at the weight in the same row of theta."""
    weights = init_weights(SEED, HIDDEN)
    theta = flatten(weights)
    names = weight_names(HIDDEN)
    assert len(names) == theta.shape[0]
    assert names[:2] == ["w0-0-0", "w0-0-1"]
    assert names[784] == "w0-1-0"
    assert names[784 * 50] == "w1-0-0"
    assert names[-1] == "w2-9-499"
    for i in np.random.RandomState(0).randint(0, theta.shape[0], 50):
        w = parse_weight(names[i])
        assert weights[w.layer][w.row, w.col] == theta[i]


def test_snapshot_epochs():
    """Snapshot epochs are the rounded linspace, deduplicated."""
    np.testing.assert_array_equal(snapshot_epochs(100, 5), [0, 25, 50, 75, 100])
    np.testing.assert_array_equal(snapshot_epochs(10, 4), [0, 3, 7, 10])
    np.testing.assert_array_equal(snapshot_epochs(3, 10), [0, 1, 2, 3])  # deduplicated
    np.testing.assert_array_equal(snapshot_epochs(0, 3), [0])


def test_sigmoid_of_negated_equals_expit():
    """The fast in-place sigmoid equals scipy's expit, saturated tails included."""
    z = np.concatenate([np.linspace(-700.0, 700.0, 10_001), [-800.0, 800.0, 0.0, 36.7, 37.0]])
    got = sigmoid_neg_(-z)
    np.testing.assert_allclose(got, expit(z), rtol=1e-15, atol=0)
    s = np.array([-1.0, 2.0])
    assert sigmoid_neg_(s) is s  # in place


# ------------------------------------------------------------------------------ gradient
def test_cost_and_grad_equal_naive_backprop(data, monkeypatch):
    """J and the gradient of J/2 equal whole-matrix backprop, in one or many blocks and threads."""
    x, y = data
    theta = theta_of(SEED, HIDDEN)
    grads, want_cost = naive_gradients(init_weights(SEED, HIDDEN), x, y)
    want = flatten(grads)
    cost, grad = cost_and_grad(theta, x, y, HIDDEN)
    assert cost == pytest.approx(want_cost, rel=1e-13)
    np.testing.assert_allclose(grad, want, rtol=1e-10, atol=1e-13 * np.abs(want).max())
    # several blocks, on one and on three threads: the same bytes
    monkeypatch.setattr(evaluate, "TRAIN_BLOCK", 7)
    cost1, grad1 = cost_and_grad(theta, x, y, HIDDEN, threads=1)
    cost3, grad3 = cost_and_grad(theta, x, y, HIDDEN, threads=3)
    assert cost1 == cost3
    np.testing.assert_array_equal(grad1, grad3)
    np.testing.assert_allclose(grad1, want, rtol=1e-10, atol=1e-13 * np.abs(want).max())


def test_gradient_equals_central_differences(small_data):
    """The gradient of J/2 equals central differences of the naive J/2 on a few coordinates."""
    x, y = small_data
    theta = theta_of(SEED, HIDDEN)
    _, grad = cost_and_grad(theta, x, y, HIDDEN)
    h = 1e-5
    # in every layer the coordinate with the largest gradient, and a few more of the first layer
    offsets = np.cumsum([0] + [m.size for m in unflatten(grad, HIDDEN)])
    coords = [
        int(lo + np.argmax(np.abs(grad[lo:hi])))
        for lo, hi in zip(offsets, offsets[1:], strict=False)
    ]
    coords += [int(c) for c in np.argsort(-np.abs(grad[: offsets[1]]))[1:4]]
    for i in coords:
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        j_up = naive_cost_accuracy(naive_unflatten(up, HIDDEN), x, y)[0]
        j_down = naive_cost_accuracy(naive_unflatten(down, HIDDEN), x, y)[0]
        fd = (j_up - j_down) / (2 * h) / 2  # the gradient is of J/2
        assert grad[i] == pytest.approx(fd, rel=1e-5, abs=1e-9), i


def test_cost_and_accuracy_equal_naive(data):
    """J and accuracy at one point equal a naive full forward pass."""
    x, y = data
    theta = theta_of(SEED, HIDDEN)
    want_cost, want_acc = naive_cost_accuracy(init_weights(SEED, HIDDEN), x, y)
    cost, acc = cost_and_accuracy(theta, x, y, HIDDEN, threads=2)
    assert cost == pytest.approx(want_cost, rel=1e-13)
    assert acc == want_acc


# ------------------------------------------------------------------------------ curvature
def test_hvp_equals_the_exact_dense_hessian(small_data, monkeypatch):
    """H v equals the complex-step dense Hessian times v, in one or many blocks and threads."""
    x, y = small_data[0][:5], small_data[1][:5]
    weights = init_weights(3, TINY)
    theta = flatten(weights)
    dense = naive_hessian(weights, x, y)  # complex-step: exact to rounding
    rng = np.random.RandomState(1)
    for _ in range(3):
        v = rng.randn(theta.shape[0])
        want = dense @ v
        got = hvp(theta, v, x, y, TINY)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-11 * np.abs(want).max())
    # one column exactly: H e_i is column i
    e = np.zeros(theta.shape[0])
    e[784 * 3 + 5] = 1.0
    col = dense[:, 784 * 3 + 5]
    np.testing.assert_allclose(hvp(theta, e, x, y, TINY), col, rtol=0, atol=1e-11 * abs(col).max())
    # blocks of 2 samples on 2 threads: the same products
    monkeypatch.setattr(curvature, "TRAIN_BLOCK", 2)
    got2 = hvp(theta, v, x, y, TINY, threads=2)
    np.testing.assert_allclose(got2, want, rtol=0, atol=1e-11 * np.abs(want).max())


def test_hvp_matches_gradient_differences_and_is_symmetric(small_data):
    """H v matches differences of the exact gradient, and u.Hv equals v.Hu on the real network."""
    x, y = small_data
    theta = theta_of(SEED, HIDDEN)
    rng = np.random.RandomState(2)
    u, v = rng.randn(theta.shape[0]), rng.randn(theta.shape[0])
    hv = hvp(theta, v, x, y, HIDDEN)
    h = 1e-6
    g_up = cost_and_grad(theta + h * v, x, y, HIDDEN)[1]
    g_down = cost_and_grad(theta - h * v, x, y, HIDDEN)[1]
    fd = (g_up - g_down) / (2 * h) * 2  # the gradient is of J/2; H is of J
    np.testing.assert_allclose(hv, fd, rtol=0, atol=1e-5 * np.abs(hv).max())
    hu = hvp(theta, u, x, y, HIDDEN)
    assert u @ hv == pytest.approx(v @ hu, rel=1e-10)


def test_hessian_directions_equal_dense_eigenvectors(small_data):
    """The top two eigenpairs equal those of the dense Hessian; the sign convention holds."""
    x, y = small_data[0][:5], small_data[1][:5]
    weights = init_weights(3, TINY)
    theta = flatten(weights)
    values, vectors = np.linalg.eigh(naive_hessian(weights, x, y))
    assert values[-1] - values[-2] > 1e-3 and values[-2] - values[-3] > 1e-3  # well separated
    got = hessian_directions(theta, x, y, TINY)
    np.testing.assert_allclose(got.eigenvalues, values[::-1][:2], rtol=1e-8)
    assert got.eigenvalues[0] > got.eigenvalues[1]
    assert got.hvps > 0
    for d, want in ((got.d1, vectors[:, -1]), (got.d2, vectors[:, -2])):
        assert np.linalg.norm(d) == pytest.approx(1.0, abs=1e-12)
        assert d[np.argmax(np.abs(d))] > 0
        np.testing.assert_allclose(d, oriented(want), rtol=0, atol=1e-7)
    d1, d2, eigenvalues = hessian_directions(theta, x, y, TINY)  # fixed start: reproducible
    np.testing.assert_array_equal(d1, got.d1)
    np.testing.assert_array_equal(d2, got.d2)
    np.testing.assert_array_equal(eigenvalues, got.eigenvalues)


# ------------------------------------------------------------------------------ directions
def test_random_directions_are_filter_normalised_randn():
    """Directions are RandomState(k) Gaussians with each row scaled to the centre row's norm."""
    theta = theta_of(SEED, HIDDEN)
    mats = unflatten(theta, HIDDEN)
    mats[1][7] = 0.0  # a neuron with no incoming weight
    d1, d2 = random_directions(4, theta, HIDDEN)
    rng = np.random.RandomState(4)
    raw1, raw2 = rng.randn(theta.shape[0]), rng.randn(theta.shape[0])
    for d, raw in ((d1, raw1), (d2, raw2)):
        for c, dl, rl in zip(mats, unflatten(d, HIDDEN), unflatten(raw, HIDDEN), strict=True):
            c_norm = np.linalg.norm(c, axis=1)
            np.testing.assert_allclose(np.linalg.norm(dl, axis=1), c_norm, rtol=1e-13, atol=0)
            want = rl * (c_norm / np.linalg.norm(rl, axis=1))[:, None]
            np.testing.assert_allclose(dl, want, rtol=1e-14, atol=0)
    assert not unflatten(d1, HIDDEN)[1][7].any() and not unflatten(d2, HIDDEN)[1][7].any()
    again = random_directions(4, theta, HIDDEN)
    np.testing.assert_array_equal(again[0], d1)
    assert not np.array_equal(random_directions(5, theta, HIDDEN)[0], d1)


def test_pca_directions_equal_the_covariance_eigenvectors():
    """Principal directions and variance shares equal those of the snapshots' Gram matrix."""
    rng = np.random.RandomState(3)
    p, s = 300, 9
    final = rng.randn(p)
    t = np.linspace(0, 1, s)
    u, w = rng.randn(p), rng.randn(p)
    snapshots = final + np.outer(5 * (1 - t), u) + np.outer(np.sin(3 * t), w)
    snapshots += 0.01 * rng.randn(s, p)
    got = pca_directions(snapshots, final)
    diffs = snapshots - final
    diffs -= diffs.mean(axis=0)
    lam, vecs = np.linalg.eigh(diffs @ diffs.T)  # S x S Gram matrix: an independent route
    for k, d in ((1, got.d1), (2, got.d2)):
        comp = diffs.T @ vecs[:, -k]
        np.testing.assert_allclose(d, oriented(comp / np.linalg.norm(comp)), rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.explained, lam[::-1][:2] / lam.sum(), rtol=1e-10)
    assert got.d1 @ got.d2 == pytest.approx(0.0, abs=1e-12)
    assert 0 < got.explained[1] < got.explained[0] and got.explained.sum() <= 1.0


def test_pca_directions_of_a_still_path_have_no_variance():
    """A path that never moves explains no variance, without dividing by zero."""
    final = np.arange(5.0)
    got = pca_directions(np.tile(final, (3, 1)), final)
    np.testing.assert_array_equal(got.explained, [0.0, 0.0])


# ------------------------------------------------------------------------------ projection
def test_project_recovers_plane_coordinates_and_distance():
    """Projection recovers known plane coordinates and off-plane distance, and equals lstsq."""
    rng = np.random.RandomState(5)
    p = 40
    centre, d1 = rng.randn(p), rng.randn(p)
    d2 = rng.randn(p) + 0.5 * d1  # far from orthogonal to d1
    basis = np.stack([d1, d2], axis=1)
    alpha, beta = rng.randn(6), rng.randn(6)
    off = rng.randn(6, p)
    off -= (basis @ np.linalg.lstsq(basis, off.T, rcond=None)[0]).T  # orthogonal to the plane
    thetas = centre + np.outer(alpha, d1) + np.outer(beta, d2) + off
    a, b, dist = project(thetas, centre, d1, d2)
    np.testing.assert_allclose(a, alpha, rtol=1e-10)
    np.testing.assert_allclose(b, beta, rtol=1e-10)
    np.testing.assert_allclose(dist, np.linalg.norm(off, axis=1), rtol=1e-10)
    coef = np.linalg.lstsq(basis, (thetas - centre).T, rcond=None)[0]
    np.testing.assert_allclose(np.stack([a, b]), coef, rtol=1e-12)
    # one theta, and a line (d2 = 0): beta is 0 and alpha the 1D least-squares coordinate
    a1, b1, dist1 = project(thetas[0], centre, d1, np.zeros(p))
    assert a1.shape == (1,) and b1[0] == 0.0
    assert a1[0] == pytest.approx((thetas[0] - centre) @ d1 / (d1 @ d1), rel=1e-12)
    resid = thetas[0] - centre - a1[0] * d1
    assert dist1[0] == pytest.approx(np.linalg.norm(resid), rel=1e-12)


# ------------------------------------------------------------------------------ planes, lines
@pytest.mark.parametrize("threads, block", [(1, plane_module.PLANE_BLOCK), (2, 7)])
def test_plane_grid_equals_naive(data, threads, block):
    """The plane grid equals the naive grid (fresh full forward per point) in cost and accuracy."""
    x, y = data
    theta = theta_of(SEED, HIDDEN)
    d1, d2 = random_directions(0, theta, HIDDEN)
    want_cost, want_acc = naive_plane_grid(theta, d1, d2, ALPHAS, BETAS, x, y, HIDDEN)
    cost, acc = plane_grid(theta, d1, d2, ALPHAS, BETAS, x, y, HIDDEN, threads=threads, block=block)
    assert cost.shape == acc.shape == (len(ALPHAS) * len(BETAS),)
    np.testing.assert_allclose(cost, want_cost, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(acc, want_acc)


def test_plane_grid_far_out_and_thread_independent(real_data):
    """Far out (saturated outputs) the grid still equals the naive one, whatever the threads."""
    x, y = real_data
    theta = theta_of(SEED, HIDDEN)
    d1, d2 = random_directions(1, theta, HIDDEN)
    alphas, betas = np.linspace(-20.0, 20.0, 5), np.linspace(-30.0, 25.0, 3)  # saturated outputs
    want_cost, want_acc = naive_plane_grid(theta, d1, d2, alphas, betas, x, y, HIDDEN)
    one = plane_grid(theta, d1, d2, alphas, betas, x, y, HIDDEN, threads=1, block=11)
    two = plane_grid(theta, d1, d2, alphas, betas, x, y, HIDDEN, threads=2, block=11)
    np.testing.assert_array_equal(one[0], two[0])  # the same bytes whatever the thread count
    np.testing.assert_array_equal(one[1], two[1])
    np.testing.assert_allclose(one[0], want_cost, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(one[1], want_acc)


@pytest.mark.parametrize("hidden", [[], [6], [4, 5, 6]])
def test_plane_grid_other_depths(small_data, hidden):
    """Networks with zero, one and three hidden layers give the naive grid and gradient too."""
    x, y = small_data
    theta = theta_of(SEED, hidden)
    d1, d2 = random_directions(2, theta, hidden)
    want = naive_plane_grid(theta, d1, d2, ALPHAS, BETAS, x, y, hidden)
    got = plane_grid(theta, d1, d2, ALPHAS, BETAS, x, y, hidden, threads=2, block=9)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(got[1], want[1])
    cost, grad = cost_and_grad(theta, x, y, hidden)
    grads, want_cost = naive_gradients(init_weights(SEED, hidden), x, y)
    assert cost == pytest.approx(want_cost, rel=1e-13)
    np.testing.assert_allclose(grad, flatten(grads), rtol=1e-10, atol=1e-15)


def test_line_costs_equal_naive_interpolation(data):
    """The line equals naive passes at (1 - t) theta_from + t theta_to."""
    x, y = data
    start, end = theta_of(SEED, HIDDEN), theta_of(SEED + 1, HIDDEN)
    ts = np.linspace(-0.5, 1.5, 9)
    cost, acc = line_costs(start, end, ts, x, y, HIDDEN, threads=2)
    for k, t in enumerate(ts):
        want = naive_cost_accuracy(naive_unflatten((1 - t) * start + t * end, HIDDEN), x, y)
        assert cost[k] == pytest.approx(want[0], rel=1e-10)
        assert acc[k] == want[1]
    assert cost[2] == pytest.approx(cost_and_accuracy(start, x, y, HIDDEN)[0], rel=1e-13)  # t=0


# ------------------------------------------------------------------------------ training
@pytest.mark.parametrize("optimizer", NAMES)
def test_training_equals_naive_loop(small_data, optimizer):
    """Training every weight equals the naive loop for every optimizer; snapshots are the states."""
    x, y = small_data
    hidden, epochs = [6, 8], 25
    theta0 = theta_of(3, hidden)
    c = {**DEFAULTS[optimizer], "lr": 0.5}
    run = train(theta0, x, y, hidden, optimizer, c, epochs, snapshot_epochs(epochs, 4))
    want = naive_whole_train(theta0, x, y, hidden, optimizer, c, epochs)
    assert run.diverged_at is None
    np.testing.assert_array_equal(run.epoch, np.arange(epochs + 1))
    np.testing.assert_allclose(run.cost, want["cost"], rtol=1e-10, atol=0)
    np.testing.assert_array_equal(run.accuracy, want["accuracy"])
    np.testing.assert_allclose(run.final, want["final"], rtol=1e-9, atol=1e-12)
    assert run.cost[-1] < run.cost[0]
    np.testing.assert_array_equal(run.snapshot_epochs, snapshot_epochs(epochs, 4))
    assert run.snapshots.shape == (4, theta0.shape[0])
    np.testing.assert_array_equal(run.snapshots[0], theta0)
    np.testing.assert_array_equal(run.snapshots[-1], run.final)
    mid = int(run.snapshot_epochs[1])
    shorter = train(theta0, x, y, hidden, optimizer, c, mid, [mid])
    np.testing.assert_array_equal(run.snapshots[1], shorter.final)
    np.testing.assert_array_equal(shorter.snapshots, [shorter.final])
    np.testing.assert_array_equal(run.cost[: len(shorter.cost)], shorter.cost)


def test_training_real_network_threads_and_blocks(small_data, monkeypatch):
    """The real network trains as the naive loop does, to the same bytes on 1 or 2 threads."""
    x, y = small_data
    theta0 = theta_of(SEED, HIDDEN)
    want = naive_whole_train(theta0, x, y, HIDDEN, "adam", DEFAULTS["adam"], 6)
    monkeypatch.setattr(training, "TRAIN_BLOCK", 8)
    one = train(theta0, x, y, HIDDEN, "adam", DEFAULTS["adam"], 6, [0, 6], threads=1)
    two = train(theta0, x, y, HIDDEN, "adam", DEFAULTS["adam"], 6, [0, 6], threads=2)
    np.testing.assert_array_equal(one.cost, two.cost)
    np.testing.assert_array_equal(one.final, two.final)
    np.testing.assert_array_equal(one.snapshots, [theta0, one.final])
    with pytest.raises(TypeError, match="snapshot_at takes the epochs"):
        train(theta0, x, y, HIDDEN, "adam", None, 6, 3)
    np.testing.assert_allclose(one.cost, want["cost"], rtol=1e-10, atol=0)
    np.testing.assert_array_equal(one.accuracy, want["accuracy"])
    np.testing.assert_allclose(one.final, want["final"], rtol=1e-9, atol=1e-12)


def test_training_stops_at_divergence_without_raising(small_data):
    """A non-finite state ends the records at that epoch, diverged_at set, nothing raised."""
    x, y = small_data
    hidden = [6, 8]
    theta0 = theta_of(3, hidden)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        run = train(theta0, x, y, hidden, "sgd", {"lr": np.inf}, 10, range(11))
        bad = theta0.copy()
        bad[5] = np.nan
        at_start = train(bad, x, y, hidden, "momentum", None, 10, [0, 5, 10])
    assert run.diverged_at == 1
    np.testing.assert_array_equal(run.epoch, [0, 1])
    assert run.cost.shape == run.accuracy.shape == (2,)
    np.testing.assert_array_equal(run.snapshot_epochs, [0, 1])
    assert not np.isfinite(run.final).all()
    assert np.isfinite(run.cost[0])
    assert at_start.diverged_at == 0
    np.testing.assert_array_equal(at_start.epoch, [0])
    np.testing.assert_array_equal(at_start.snapshot_epochs, [0])
    assert np.isnan(at_start.final[5])


def test_projection_keeps_finite_snapshots_when_one_is_not() -> None:
    """A diverged (infinite) snapshot gets NaN coordinates; the others are still projected."""
    rng = np.random.RandomState(3)
    centre, d1, d2 = rng.randn(50), rng.randn(50), rng.randn(50)
    thetas = np.stack([centre + 0.5 * d1 - 2 * d2, np.full(50, np.inf), centre + d2])
    alpha, beta, distance = project(thetas, centre, d1, d2)
    np.testing.assert_allclose([alpha[0], beta[0], alpha[2], beta[2]], [0.5, -2, 0, 1], atol=1e-12)
    assert np.isnan(alpha[1]) and np.isnan(beta[1]) and distance[0] < 1e-12
