"""Pair landscapes (losslandscape.landscape.pair) equal the naive reference (full passes)."""

from __future__ import annotations

import numpy as np
import pytest

from losslandscape.data.idx import load_split
from losslandscape.landscape.pair import PairSlice
from losslandscape.network.model import init_weights
from losslandscape.network.names import parse_pair
from losslandscape.reference import naive_cost, naive_gradients, naive_grid

HIDDEN = [6, 8]
SEED = 3
# every combination of layers, rows and columns that behaves differently in the engine
PAIRS = [
    "w2-5-2_w2-5-3",  # output layer, same row
    "w2-5-2_w2-1-3",  # output layer, different rows (separable)
    "w2-1-3_w2-5-3",  # output layer, same column
    "w1-2-3_w1-2-4",  # middle layer, same row
    "w1-2-3_w1-4-3",  # middle layer, different rows, same column
    "w0-1-10_w0-1-4",  # first layer, same row
    "w0-1-10_w0-2-4",  # first layer, different rows
    "w0-1-3_w0-2-4",  # first layer, one pixel zero in every image
    "w0-1-10_w1-2-4",  # first and middle layer
    "w0-1-10_w1-2-1",  # second weight reads the unit the first one feeds
    "w0-1-10_w2-2-4",  # first and output layer
    "w1-1-1_w2-3-1",  # middle and output, output reads the changed unit
    "w1-0-1_w2-3-0",
    "w2-3-1_w0-1-4",  # given in descending layer order
    "w1-4-2_w0-1-10",
]
A = np.linspace(-6.0, 7.0, 5)
B = np.linspace(-5.0, 8.0, 4)


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("chunk", [10**6, 37])
def test_grid_equals_naive(small_data, pair, chunk):
    x, y = small_data
    wa, wb = parse_pair(pair)
    sl = PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wb, chunk_elements=chunk)
    got = sl.grid(A, B)
    want = naive_grid(SEED, HIDDEN, x, y, wa, wb, A, B)
    assert got.shape == (len(A) * len(B),)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


@pytest.mark.parametrize("pair", PAIRS)
def test_cost_and_gradient_equal_naive_backprop(small_data, pair):
    x, y = small_data
    wa, wb = parse_pair(pair)
    weights = init_weights(SEED, HIDDEN)
    sl = PairSlice(weights, x, y, wa, wb, chunk_elements=101)
    u = np.array([1.3, -2.0, 9.5])
    v = np.array([0.7, 3.1, -8.0])
    cost, ga, gb = sl.cost_and_grad(u, v)
    scalar = sl.scalar_cost_and_grad()
    for k in range(len(u)):
        w = [m.copy() for m in weights]
        w[wa.layer][wa.row, wa.col] = u[k]
        w[wb.layer][wb.row, wb.col] = v[k]
        grads, want_cost = naive_gradients(w, x, y)
        want = (want_cost, grads[wa.layer][wa.row, wa.col], grads[wb.layer][wb.row, wb.col])
        np.testing.assert_allclose((cost[k], ga[k], gb[k]), want, rtol=0, atol=1e-12)
        np.testing.assert_allclose(scalar(u[k], v[k]), want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("pair", ["w2-5-2_w2-5-3", "w1-2-3_w1-4-3", "w0-1-10_w1-2-1"])
def test_gradient_is_half_cost_derivative(small_data, pair):
    """Central finite differences of the naive J/2 agree with the engine's gradient."""
    x, y = small_data
    wa, wb = parse_pair(pair)
    sl = PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wb)
    u, v, h = 0.8, -1.7, 1e-5
    _, ga, gb = sl.scalar_cost_and_grad()(u, v)

    def j(p, q):
        return naive_cost(SEED, HIDDEN, x, y, wa, wb, p, q) / 2

    fd_a = (j(u + h, v) - j(u - h, v)) / (2 * h)
    fd_b = (j(u, v + h) - j(u, v - h)) / (2 * h)
    assert abs(fd_a) + abs(fd_b) > 1e-6  # the test would notice a zero gradient
    np.testing.assert_allclose([ga, gb], [fd_a, fd_b], rtol=1e-6, atol=1e-10)


def test_sample_groups_follow_zero_pixels(small_data):
    x, y = small_data
    wa, wb = parse_pair("w0-1-3_w0-2-4")  # pixel 3 is zero everywhere, pixel 4 often
    sl = PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wb)
    g = sl.groups
    assert len(g.only_a) == 0 and len(g.both) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([g.none, g.only_b])), np.arange(30))
    np.testing.assert_array_equal(g.only_b, np.flatnonzero(x[:, 4] != 0))
    # w_a has no effect on the cost: every row of the grid (fixed w_b) is constant
    grid = sl.grid(A, B).reshape(len(B), len(A))
    assert np.ptp(grid, axis=1).max() == 0.0
    assert np.ptp(grid[:, 0]) > 0


def test_real_network_and_mnist_each_layer(mnist_test_split):
    """The seeds' 784-50-500-10 network on real images: a pair in each layer, exact."""
    images, labels = mnist_test_split
    x, y = load_split(images, labels, 12)
    hidden = [50, 500]
    a, b = np.linspace(-15, 17, 3), np.linspace(-15, 18, 3)
    for pair in ["w2-5-250_w2-5-251", "w1-200-30_w1-200-31", "w0-5-406_w0-5-407"]:
        wa, wb = parse_pair(pair)
        sl = PairSlice(init_weights(135, hidden), x, y, wa, wb)
        want = naive_grid(135, hidden, x, y, wa, wb, a, b)
        np.testing.assert_allclose(sl.grid(a, b), want, rtol=0, atol=1e-9)


def test_same_weight_twice_is_refused(small_data):
    x, y = small_data
    wa, _ = parse_pair("w2-5-2_w2-5-3")
    with pytest.raises(ValueError, match="differ"):
        PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wa)
