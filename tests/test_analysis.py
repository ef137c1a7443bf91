"""Critical points, Hessians and basins: naive finite differences and closed-form landscapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.special import expit, logit

from losslandscape.data.idx import load_split
from losslandscape.landscape.analysis import (
    BASIN_COLUMNS,
    CRITICAL_COLUMNS,
    basins,
    critical_points,
    plateau_mask,
    plateau_share,
)
from losslandscape.landscape.pair import PairSlice
from losslandscape.landscape.trajectory import run_trajectory
from losslandscape.network.model import init_weights
from losslandscape.network.names import Weight, parse_pair
from losslandscape.optimizers import DEFAULTS, NAMES
from losslandscape.reference import naive_cost, naive_gradients

HIDDEN = [6, 8]
SEED = 3
PAIRS = [
    "w2-5-2_w2-5-3",  # output layer, same row
    "w2-5-2_w2-1-3",  # output layer, different rows
    "w1-2-3_w1-2-4",  # middle layer, same row
    "w1-2-3_w1-4-3",  # middle layer, different rows
    "w0-1-10_w0-1-4",  # first layer, same row (pixel 4 zero in some images)
    "w0-1-10_w0-2-4",  # first layer, different rows
    "w0-1-10_w1-2-4",  # first and middle layer
    "w0-1-10_w1-2-1",  # the second weight reads the unit the first one feeds
    "w0-1-10_w2-2-4",  # first and output layer
    "w1-1-1_w2-3-1",  # middle and output, output reads the changed unit
    "w2-3-1_w0-1-4",  # swapped: given in descending layer order
    "w2-3-1_w1-1-1",  # swapped, output reads the changed unit
    "w1-4-2_w0-1-10",  # swapped, middle and first
]
U = np.array([0.8, -2.5, 4.0])
V = np.array([-1.7, 3.0, 0.6])


def _slice(data, pair: str, chunk: int = 10**6) -> PairSlice:
    """The small network's slice for `pair`."""
    x, y = data
    wa, wb = parse_pair(pair)
    return PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wb, chunk_elements=chunk)


def _naive_grad(data, pair: str, u: float, v: float) -> np.ndarray:
    """Gradient of J from the naive full backprop (which gives that of J/2)."""
    x, y = data
    wa, wb = parse_pair(pair)
    w = init_weights(SEED, HIDDEN)
    w[wa.layer][wa.row, wa.col] = u
    w[wb.layer][wb.row, wb.col] = v
    grads, _ = naive_gradients(w, x, y)
    return 2.0 * np.array([grads[wa.layer][wa.row, wa.col], grads[wb.layer][wb.row, wb.col]])


# ---------------------------------------------------------------------- (a), (b) exactness
@pytest.mark.parametrize("pair", PAIRS)
def test_gradient_and_hessian_match_naive_finite_differences(small_data, pair):
    """Central differences of the naive cost (gradient, Hessian) and of naive backprop."""
    x, y = small_data
    wa, wb = parse_pair(pair)
    sl = _slice(small_data, pair, chunk=37)  # many sample blocks

    def j(p: float, q: float) -> float:
        return naive_cost(SEED, HIDDEN, x, y, wa, wb, p, q)

    cost, grad, hess = sl.cost_grad_hess(U, V)
    assert grad.shape == (3, 2) and hess.shape == (3, 2, 2)
    for k, (u, v) in enumerate(zip(U, V, strict=True)):
        assert abs(cost[k] - j(u, v)) < 1e-12
        h = 1e-5
        fd = [(j(u + h, v) - j(u - h, v)) / (2 * h), (j(u, v + h) - j(u, v - h)) / (2 * h)]
        np.testing.assert_allclose(grad[k], fd, rtol=0, atol=2e-10)
        h = 1e-3  # second differences of the cost itself
        c = j(u, v)
        fd2 = np.array(
            [
                [(j(u + h, v) - 2 * c + j(u - h, v)) / h**2, 0.0],
                [0.0, (j(u, v + h) - 2 * c + j(u, v - h)) / h**2],
            ]
        )
        fd2[0, 1] = fd2[1, 0] = (
            j(u + h, v + h) - j(u + h, v - h) - j(u - h, v + h) + j(u - h, v - h)
        ) / (4 * h**2)
        np.testing.assert_allclose(hess[k], fd2, rtol=0, atol=2e-8)
        h = 1e-6  # central differences of the naive backprop gradient: tighter
        cols = [
            (_naive_grad(small_data, pair, u + h, v) - _naive_grad(small_data, pair, u - h, v)),
            (_naive_grad(small_data, pair, u, v + h) - _naive_grad(small_data, pair, u, v - h)),
        ]
        fd_h = np.column_stack(cols) / (2 * h)
        np.testing.assert_allclose(hess[k], fd_h, rtol=0, atol=2e-10)
        np.testing.assert_allclose(hess[k], hess[k].T, rtol=0, atol=0)
    assert np.abs(hess).max() > 1e-5  # the comparison is not between zeros


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("chunk", [10**6, 37])
def test_gradient_is_twice_the_engine_half_gradient(small_data, pair, chunk):
    sl = _slice(small_data, pair, chunk)
    cost, grad, _ = sl.cost_grad_hess(U, V)
    c2, ga, gb = sl.cost_and_grad(U, V)
    np.testing.assert_allclose(cost, c2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grad, 2.0 * np.column_stack([ga, gb]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("pair", ["w2-5-2_w2-5-3", "w0-1-3_w0-2-4", "w0-1-10_w0-1-4", PAIRS[10]])
def test_grid_derivatives_equal_pointwise(small_data, pair):
    """The grid shortcut (one-weight samples along their axis) equals point-by-point values."""
    sl = _slice(small_data, pair)
    a, b = np.linspace(-6.0, 7.0, 5), np.linspace(-5.0, 8.0, 4)
    d = sl.grid_derivatives(a, b)
    m1, m2 = np.meshgrid(a, b)
    cost, grad, hess = sl.cost_grad_hess(m1.ravel(), m2.ravel())
    assert d.shape == (4, 5)
    np.testing.assert_allclose(d.cost, sl.grid(a, b), rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.cost, cost, rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.grad, grad, rtol=0, atol=1e-15)
    np.testing.assert_allclose(d.hess, hess, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(d.grad_norm, np.hypot(d.grad[:, 0], d.grad[:, 1]))


# ---------------------------------------------------------------------- (c) closed forms
def _one_layer(x, w, y, wa: Weight, wb: Weight) -> PairSlice:
    """A network of one sigmoid layer: x (N, d), w (K, d), targets y (N, K)."""
    return PairSlice(
        [np.asarray(w, dtype=float)], np.asarray(x, float), np.asarray(y, float), wa, wb
    )


def _kind_agrees(frame: pd.DataFrame) -> None:
    """Each kind matches the signs of the eigenvalues stored beside it."""
    for row in frame.itertuples():
        assert row.eig_min <= row.eig_max
        if row.kind == "minimum":
            assert row.eig_min > 0
        elif row.kind == "maximum":
            assert row.eig_max < 0
        elif row.kind == "saddle":
            assert row.eig_min < 0 < row.eig_max
        else:
            assert row.kind == "degenerate"


def test_line_of_degenerate_minima():
    """One sample, J = (t - sigmoid(u + 2v + 0.2))^2: minima on the line u + 2v = logit(t) - 0.2.

    The Hessian there is 2 s'(z)^2 (1, 2)(1, 2)^T: eigenvalues 0 and 10 (t(1 - t))^2.
    """
    t = 0.3
    sl = _one_layer([[1.0, 2.0, 0.5]], [[0.0, 0.0, 0.4]], [[t]], Weight(0, 0, 0), Weight(0, 0, 1))
    cp = critical_points(sl, np.linspace(-4, 4, 21), np.linspace(-3, 3, 17))
    assert list(cp.columns) == CRITICAL_COLUMNS
    assert len(cp) >= 3
    assert set(cp["kind"]) == {"degenerate"}
    np.testing.assert_allclose(cp.w_a + 2 * cp.w_b, logit(t) - 0.2, rtol=0, atol=1e-10)
    assert (cp.grad_norm < 1e-10).all() and (cp.cost < 1e-20).all()
    np.testing.assert_allclose(cp.eig_max, 10 * (t * (1 - t)) ** 2, rtol=1e-10)
    assert (cp.eig_min.abs() < 1e-12).all()
    assert cp.w_a.between(-4, 4).all() and cp.w_b.between(-3, 3).all()


def test_unreachable_target_has_no_critical_point_but_a_plateau():
    """Target 1 is never reached: J = sigmoid(-(u + 2v + 0.2))^2 has no stationary point, and
    far along the slope the gradient falls below 1e-10 (a plateau, not a point)."""
    sl = _one_layer([[1.0, 2.0, 0.5]], [[0.0, 0.0, 0.4]], [[1.0]], Weight(0, 0, 0), Weight(0, 0, 1))
    a, b = np.linspace(-4, 12, 33), np.linspace(-3, 6, 19)
    d = sl.grid_derivatives(a, b)
    cp = critical_points(sl, a, b, derivatives=d)
    assert cp.empty and list(cp.columns) == CRITICAL_COLUMNS
    mask = plateau_mask(d.grad_norm.reshape(d.shape), 1e-10)
    assert mask.shape == (19, 33) and mask.any() and not mask.all()
    assert 0 < plateau_share(mask) < 1
    assert mask[-1, -1] and not mask[0, 0]  # the far, saturated corner


def test_isolated_minimum_in_closed_form():
    """Two outputs, one weight each: J = (t0 - s(u - 1))^2 + (t1 - s(0.7 - 2v))^2, minimum at
    u = logit(t0) + 1, v = (0.7 - logit(t1)) / 2, Hessian diag(2 s0'^2, 8 s1'^2), s' = t(1-t)."""
    t0, t1 = 0.25, 0.8
    sl = _one_layer(
        [[1.0, -2.0]], [[0.0, 0.5], [0.7, 0.0]], [[t0, t1]], Weight(0, 0, 0), Weight(0, 1, 1)
    )
    cp = critical_points(sl, np.linspace(-5, 5, 23), np.linspace(-4, 4, 19))
    assert len(cp) == 1
    row = cp.iloc[0]
    assert row.kind == "minimum"
    np.testing.assert_allclose(
        [row.w_a, row.w_b], [logit(t0) + 1.0, (0.7 - logit(t1)) / 2], rtol=0, atol=1e-12
    )
    eig = sorted([2 * (t0 * (1 - t0)) ** 2, 8 * (t1 * (1 - t1)) ** 2])
    np.testing.assert_allclose([row.eig_min, row.eig_max], eig, rtol=1e-10)
    assert row.cost < 1e-25 and row.grad_norm < 1e-10


def _psi1(z: float) -> float:
    """d/dz sigmoid(z)^2."""
    s = expit(z)
    return 2 * s * s * (1 - s)


def _psi2(z: float) -> float:
    """d2/dz2 sigmoid(z)^2 = 2 s s' (2 - 3s)."""
    s = expit(z)
    return 2 * s * s * (1 - s) * (2 - 3 * s)


def _nine_points_slice() -> PairSlice:
    """J(u, v) = (F(u) + F(v)) / 2 with F(w) = sigmoid(2 - w)^2 + sigmoid(2 + w)^2.

    Two samples, offsets -2 and +2 through a third input, targets 1 and 0 on both outputs.
    F is even, has a maximum at 0 (sigmoid(2) > 2/3 makes sigmoid^2 concave there) and minima
    at +-d where psi'(2 + d) = psi'(2 - d): so J has a maximum at the origin, minima at
    (+-d, +-d) and saddles at (0, +-d), (+-d, 0).
    """
    x = [[1.0, 1.0, -2.0], [1.0, 1.0, 2.0]]
    w = [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    y = [[1.0, 1.0], [0.0, 0.0]]
    return _one_layer(x, w, y, Weight(0, 0, 0), Weight(0, 1, 1))


def test_maximum_minima_and_saddles_in_closed_form():
    sl = _nine_points_slice()
    d = brentq(lambda s: _psi1(2 + s) - _psi1(2 - s), 0.1, 20.0, xtol=1e-15)
    f2 = {0.0: 2 * _psi2(2.0), d: _psi2(2 - d) + _psi2(2 + d)}  # F'' at 0 and at +-d
    assert f2[0.0] < 0 < f2[d]
    cp = critical_points(sl, np.linspace(-7.3, 7.9, 33), np.linspace(-7.1, 7.7, 31))
    _kind_agrees(cp)
    assert sorted(cp["kind"]) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    want = {(su * d, sv * d) for su in (-1, 0, 1) for sv in (-1, 0, 1)}
    got = {(float(r.w_a), float(r.w_b)) for r in cp.itertuples()}
    for pa, pb in want:
        assert any(abs(pa - ga) < 1e-9 and abs(pb - gb) < 1e-9 for ga, gb in got), (pa, pb)
    for r in cp.itertuples():
        ca, cb = (0.0 if abs(r.w_a) < 1 else d), (0.0 if abs(r.w_b) < 1 else d)
        np.testing.assert_allclose(
            [r.eig_min, r.eig_max], sorted([f2[ca] / 2, f2[cb] / 2]), rtol=1e-8
        )
        kind = {(0.0, 0.0): "maximum", (d, d): "minimum"}.get((ca, cb), "saddle")
        assert r.kind == kind
    assert list(cp.index) == list(range(9))
    assert cp.cost.is_monotonic_increasing  # sorted by cost: minima first, maximum last
    again = critical_points(sl, np.linspace(-7.3, 7.9, 33), np.linspace(-7.1, 7.7, 31))
    pd.testing.assert_frame_equal(cp, again)  # deterministic


def test_curve_of_minima_across_layers_swapped_order():
    """Hidden unit s(1.5 w_b) feeds the output through w_a, plus a frozen 0.6 s(0.45):
    J = (t - s(w_a s(1.5 w_b) + 0.6 s(0.45)))^2 vanishes on the curve w_a s(1.5 w_b) = C.
    The pair is given output weight first, so PairSlice swaps it internally."""
    t = 0.7
    weights = [np.array([[0.0], [0.3]]), np.array([[0.0, 0.6]])]
    sl = PairSlice(weights, np.array([[1.5]]), np.array([[t]]), Weight(1, 0, 0), Weight(0, 0, 0))
    assert sl.swapped
    cp = critical_points(sl, np.linspace(-6, 6, 25), np.linspace(-4, 4, 17))
    c = logit(t) - 0.6 * expit(0.45)
    assert len(cp) >= 3 and set(cp["kind"]) == {"degenerate"}
    np.testing.assert_allclose(cp.w_a * expit(1.5 * cp.w_b), c, rtol=0, atol=1e-11)
    hidden = expit(1.5 * cp.w_b)
    dz = np.column_stack([hidden, cp.w_a * 1.5 * hidden * (1 - hidden)])  # grad of z
    np.testing.assert_allclose(cp.eig_max, 2 * (t * (1 - t)) ** 2 * (dz**2).sum(axis=1), rtol=1e-9)


# ---------------------------------------------------------------------- (d) basins
@pytest.mark.parametrize(
    "pair, optimizers",
    [
        ("w2-5-2_w2-5-3", NAMES),  # output layer, same row: the dedicated kernel
        ("w2-5-2_w2-1-3", ("sgd", "adam")),  # output layer, two rows: kernel
        ("w1-2-3_w1-4-3", ("sgd", "nesterov")),  # generic path
        ("w2-3-1_w0-1-4", ("momentum", "rmsprop")),  # generic path, swapped pair
    ],
)
def test_basins_equal_run_trajectory(small_data, pair, optimizers):
    sl = _slice(small_data, pair)
    a, b = np.linspace(-6.0, 7.0, 4), np.linspace(-5.0, 8.0, 3)
    for opt in optimizers:
        df = basins(sl, opt, DEFAULTS[opt], a, b, 300)
        assert list(df.columns) == BASIN_COLUMNS and len(df) == 12
        m1, m2 = np.meshgrid(a, b)
        np.testing.assert_array_equal(df.start_a, m1.ravel())
        np.testing.assert_array_equal(df.start_b, m2.ravel())
        for row in df.itertuples():
            tr = run_trajectory(sl, opt, DEFAULTS[opt], (row.start_a, row.start_b), 300)
            assert tr.diverged_at is None and not row.diverged
            np.testing.assert_allclose(
                [row.end_a, row.end_b, row.final_cost],
                [tr.a[-1], tr.b[-1], tr.cost[-1]],
                rtol=0,
                atol=1e-9,
            )
        assert (df.minimum == -1).all()  # no critical points given
        assert np.ptp(df.end_a - df.start_a) > 1e-3  # the weights moved


@pytest.mark.parametrize("pair", ["w2-5-2_w2-5-3", "w1-2-3_w1-4-3"])
def test_basins_divergence_as_run_trajectory(small_data, pair):
    """Momentum with rho = 3 blows up: the same epoch and end state as run_trajectory."""
    sl = _slice(small_data, pair)
    c = {"lr": 10.0, "rho": 3.0}
    a, b = np.array([-1.0, 2.0]), np.array([0.5])
    df = basins(sl, "momentum", c, a, b, 1000)
    assert df.diverged.all()
    for row in df.itertuples():
        tr = run_trajectory(sl, "momentum", c, (row.start_a, row.start_b), 1000)
        assert tr.diverged_at is not None
        np.testing.assert_array_equal(
            [row.end_a, row.end_b, row.final_cost], [tr.a[-1], tr.b[-1], tr.cost[-1]]
        )
    assert (df.minimum == -1).all()


@pytest.mark.parametrize("pair", ["w2-5-2_w2-5-3", "w1-2-3_w1-4-3"])
def test_basins_do_not_depend_on_threads(small_data, pair):
    sl = _slice(small_data, pair)
    a, b = np.linspace(-6.0, 7.0, 40), np.linspace(-5.0, 8.0, 30)  # several blocks
    one = basins(sl, "adam", DEFAULTS["adam"], a, b, 15, threads=1)
    two = basins(sl, "adam", DEFAULTS["adam"], a, b, 15, threads=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_basins_reach_the_minimum_of_their_quadrant():
    """In the nine-point landscape, sgd from inside a quadrant ends at that quadrant's minimum."""
    sl = _nine_points_slice()
    a, b = np.linspace(-7.3, 7.9, 33), np.linspace(-7.1, 7.7, 31)
    cp = critical_points(sl, a, b)
    starts = np.linspace(-6.5, 6.5, 6)  # no start on an axis (the saddles' stable lines)
    df = basins(sl, "sgd", {"lr": 20.0}, starts, starts, 3000, cp)
    minima = cp[cp.kind == "minimum"]
    for row in df.itertuples():
        want = minima[
            (np.sign(minima.w_a) == np.sign(row.start_a))
            & (np.sign(minima.w_b) == np.sign(row.start_b))
        ]
        assert row.minimum == want.index[0]
        assert abs(row.end_a - want.w_a.iloc[0]) < 1e-3
    assert set(df.minimum) == set(minima.index)
    far = basins(sl, "sgd", {"lr": 20.0}, starts, starts, 3000, cp, match_tol=1e-12)
    assert (far.minimum == -1).all()  # not within 1e-12 of a minimum after 3000 epochs


# ---------------------------------------------------------------------- (e) real landscape
@pytest.mark.parametrize(
    "pair, n", [("w2-5-250_w2-5-251", 100), ("w1-200-30_w1-200-31", 20), ("w1-5-5_w1-5-6", 20)]
)
def test_real_landscape_critical_points(mnist_test_split, pair, n):
    """The seeds' network on MNIST test images: every point is stationary (|grad J| < 1e-10 by
    naive backprop too) and its kind agrees with the signs of its Hessian's eigenvalues."""
    images, labels = mnist_test_split
    x, y = load_split(images, labels, n)
    wa, wb = parse_pair(pair)
    weights = init_weights(135, [50, 500])
    sl = PairSlice(weights, x, y, wa, wb)
    a, b = np.linspace(-15, 17, 40), np.linspace(-15, 18, 40)
    cp = critical_points(sl, a, b, grid_cost=sl.grid(a, b))
    assert len(cp) >= 1
    assert (cp.grad_norm < 1e-10).all()
    assert cp.w_a.between(-15, 17).all() and cp.w_b.between(-15, 18).all()
    _kind_agrees(cp)
    cost, grad, hess = sl.cost_grad_hess(cp.w_a.to_numpy(), cp.w_b.to_numpy())
    eig = np.linalg.eigvalsh(hess)
    np.testing.assert_allclose(eig[:, 0], cp.eig_min, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(eig[:, 1], cp.eig_max, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(cost, cp.cost, rtol=0, atol=1e-12)
    for r in cp.itertuples():
        w = [m.copy() for m in weights]
        w[wa.layer][wa.row, wa.col] = r.w_a
        w[wb.layer][wb.row, wb.col] = r.w_b
        grads, want_cost = naive_gradients(w, x, y)
        g = 2 * np.array([grads[wa.layer][wa.row, wa.col], grads[wb.layer][wb.row, wb.col]])
        assert np.hypot(*g) < 1e-10
        assert abs(want_cost - r.cost) < 1e-12


def test_plateau_mask_and_share():
    g = np.array([[0.0, 1e-12], [1e-3, np.nan]])
    np.testing.assert_array_equal(plateau_mask(g, 1e-10), [[True, True], [False, False]])
    assert plateau_share(plateau_mask(g, 1e-10)) == 0.5
    assert plateau_share(np.zeros((0, 3), dtype=bool)) == 0.0
