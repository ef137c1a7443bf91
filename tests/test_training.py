"""Whole-network training (losslandscape.network.training), full and mini-batch, and its
initialisations, against the naive loop of losslandscape.reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from losslandscape.data.idx import load_split
from losslandscape.network import training
from losslandscape.network.model import INITS, flatten, init_weights, layer_sizes
from losslandscape.network.training import batch_order, snapshot_epochs, train
from losslandscape.optimizers import DEFAULTS, NAMES
from losslandscape.reference import naive_whole_train

SMALL = [4, 6]
REAL = [50, 500]
N = 20  # with batch 7: batches of 7, 7 and 6


def theta_of(seed: int, hidden: list[int]) -> np.ndarray:
    """The seed's initial network as a flat theta."""
    return flatten(init_weights(seed, hidden))


def assert_same_run(one: training.TrainingRun, two: training.TrainingRun) -> None:
    """Two runs hold the same bytes in every record."""
    np.testing.assert_array_equal(one.epoch, two.epoch)
    np.testing.assert_array_equal(one.cost, two.cost)
    np.testing.assert_array_equal(one.accuracy, two.accuracy)
    np.testing.assert_array_equal(one.snapshot_epochs, two.snapshot_epochs)
    np.testing.assert_array_equal(one.snapshots, two.snapshots)
    np.testing.assert_array_equal(one.final, two.final)
    assert one.diverged_at == two.diverged_at


# ------------------------------------------------------------------------------ initialisation
def test_scaled_init_is_the_seeds_stream_over_the_fan_in():
    """The "scaled" init is the seeds' RandomState stream, each layer over sqrt(its fan-in)."""
    assert INITS == ("seeds", "scaled")
    for hidden in ([50, 500], [4, 6, 3], []):
        sizes = layer_sizes(hidden)
        rng = np.random.RandomState(135)
        raw = [rng.randn(sizes[k + 1], sizes[k]) for k in range(len(sizes) - 1)]
        seeds = init_weights(135, hidden)
        scaled = init_weights(135, hidden, init="scaled")
        assert len(scaled) == len(raw)
        for k, (w_seeds, w_scaled, w_raw) in enumerate(zip(seeds, scaled, raw, strict=True)):
            np.testing.assert_array_equal(w_seeds, w_raw)
            np.testing.assert_array_equal(w_scaled, w_raw / np.sqrt(sizes[k]))
    w0, w1, w2 = init_weights(3, REAL, "scaled")
    rng = np.random.RandomState(3)
    np.testing.assert_array_equal(w0, rng.randn(50, 784) / 28.0)
    np.testing.assert_array_equal(w1, rng.randn(500, 50) / np.sqrt(50))
    np.testing.assert_array_equal(w2, rng.randn(10, 500) / np.sqrt(500))
    with pytest.raises(ValueError, match=r"unknown init 'xavier'; allowed: seeds, scaled"):
        init_weights(3, REAL, "xavier")


# ------------------------------------------------------------------------------ batch order
def test_batch_order_is_default_rng_of_seed_and_epoch():
    """Epoch k of seed s visits the samples in default_rng([s, k]).permutation(N)."""
    for seed, epoch, n in ((0, 0, 20), (135, 7, 1000), (2**40, 3, 1)):
        got = batch_order(seed, epoch, n)
        np.testing.assert_array_equal(got, np.random.default_rng([seed, epoch]).permutation(n))
        np.testing.assert_array_equal(np.sort(got), np.arange(n))
    assert not np.array_equal(batch_order(0, 0, 50), batch_order(0, 1, 50))
    assert not np.array_equal(batch_order(0, 0, 50), batch_order(1, 0, 50))
    np.testing.assert_array_equal(batch_order(5, 2, 50), batch_order(5, 2, 50))


# ------------------------------------------------------------------------------ against naive
@pytest.mark.parametrize("batch", [None, 7])
@pytest.mark.parametrize("optimizer", NAMES)
def test_training_equals_the_naive_loop(small_data, optimizer, batch):
    """Full batch and batches of 7 of 20 (the last one 6) equal the naive loop, every optimizer."""
    x, y = small_data[0][:N], small_data[1][:N]
    epochs = 8
    theta0 = theta_of(3, SMALL)
    c = {**DEFAULTS[optimizer], "lr": 0.5}
    at = snapshot_epochs(epochs, 3)
    run = train(theta0, x, y, SMALL, optimizer, c, epochs, at, batch=batch, seed=11)
    want = naive_whole_train(theta0, x, y, SMALL, optimizer, c, epochs, batch=batch, seed=11)
    assert run.diverged_at is None
    np.testing.assert_array_equal(run.epoch, want["epoch"])
    np.testing.assert_allclose(run.cost, want["cost"], rtol=1e-10, atol=0)
    np.testing.assert_array_equal(run.accuracy, want["accuracy"])
    np.testing.assert_allclose(run.final, want["final"], rtol=1e-9, atol=1e-12)
    assert run.cost[-1] < run.cost[0]
    np.testing.assert_array_equal(run.snapshot_epochs, at)
    np.testing.assert_array_equal(run.snapshots[0], theta0)
    np.testing.assert_array_equal(run.snapshots[-1], run.final)
    # a shorter run passes through the same states: the order depends on (seed, epoch) only
    mid = int(at[1])
    shorter = train(theta0, x, y, SMALL, optimizer, c, mid, [mid], batch=batch, seed=11)
    np.testing.assert_array_equal(shorter.final, run.snapshots[1])
    np.testing.assert_array_equal(shorter.cost, run.cost[: mid + 1])


def test_mini_batches_differ_from_full_batch_and_follow_the_seed(small_data):
    """Batches make several updates an epoch (not the full-batch path); the seed picks them."""
    x, y = small_data[0][:N], small_data[1][:N]
    theta0 = theta_of(3, SMALL)
    c = {"lr": 0.5}
    full = train(theta0, x, y, SMALL, "sgd", c, 4, [4])
    mini = train(theta0, x, y, SMALL, "sgd", c, 4, [4], batch=7, seed=11)
    again = train(theta0, x, y, SMALL, "sgd", c, 4, [4], batch=7, seed=11)
    other = train(theta0, x, y, SMALL, "sgd", c, 4, [4], batch=7, seed=12)
    assert_same_run(mini, again)
    assert mini.cost[0] == full.cost[0]  # the same initial network, evaluated the same way
    assert not np.allclose(mini.final, full.final, rtol=1e-3)
    assert not np.array_equal(mini.final, other.final)
    # one sample a batch: N updates an epoch
    single = train(theta0, x, y, SMALL, "adam", c, 2, [2], batch=1, seed=4)
    want = naive_whole_train(theta0, x, y, SMALL, "adam", {**DEFAULTS["adam"], **c}, 2, 1, 4)
    np.testing.assert_allclose(single.cost, want["cost"], rtol=1e-10, atol=0)
    np.testing.assert_allclose(single.final, want["final"], rtol=1e-9, atol=1e-12)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="batch must be None"):
            train(theta0, x, y, SMALL, "sgd", c, 1, [0], batch=bad)


def test_a_batch_of_all_samples_is_a_full_batch(small_data):
    """batch >= N makes one update an epoch over a permuted order: full batch up to rounding."""
    x, y = small_data[0][:N], small_data[1][:N]
    theta0 = theta_of(3, SMALL)
    c = {**DEFAULTS["nadam"], "lr": 0.5}
    full = train(theta0, x, y, SMALL, "nadam", c, 10, [0, 10])
    whole = train(theta0, x, y, SMALL, "nadam", c, 10, [0, 10], batch=N, seed=5)
    more = train(theta0, x, y, SMALL, "nadam", c, 10, [0, 10], batch=N + 13, seed=5)
    assert_same_run(whole, more)
    np.testing.assert_allclose(whole.cost, full.cost, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(whole.accuracy, full.accuracy)
    np.testing.assert_allclose(whole.final, full.final, rtol=1e-10, atol=1e-13)


# ------------------------------------------------------------------------------ real network
@pytest.fixture(scope="module")
def real_data(mnist_test_split) -> tuple[np.ndarray, np.ndarray]:
    """The first 30 images of the real MNIST test split (skips without it)."""
    return load_split(*mnist_test_split, 30)


@pytest.mark.parametrize("init", INITS)
def test_real_network_mini_batches_equal_naive_on_any_threads(real_data, monkeypatch, init):
    """784-50-500-10 on real images in batches of 7 equals the naive loop, same bytes on 1 and 2
    threads, also when a batch spans several blocks and groups."""
    x, y = real_data
    theta0 = flatten(init_weights(135, REAL, init))
    c = {**DEFAULTS["adam"], "lr": 0.5}
    want = naive_whole_train(theta0, x, y, REAL, "adam", c, 3, batch=7, seed=2)
    one = train(theta0, x, y, REAL, "adam", c, 3, [0, 3], threads=1, batch=7, seed=2)
    np.testing.assert_allclose(one.cost, want["cost"], rtol=1e-10, atol=0)
    np.testing.assert_array_equal(one.accuracy, want["accuracy"])
    np.testing.assert_allclose(one.final, want["final"], rtol=1e-9, atol=1e-12)
    assert one.cost[-1] < one.cost[0]
    two = train(theta0, x, y, REAL, "adam", c, 3, [0, 3], threads=2, batch=7, seed=2)
    assert_same_run(one, two)
    monkeypatch.setattr(training, "TRAIN_BLOCK", 2)  # batches of 4 blocks in 4 groups
    blocked1 = train(theta0, x, y, REAL, "adam", c, 3, [0, 3], threads=1, batch=7, seed=2)
    blocked2 = train(theta0, x, y, REAL, "adam", c, 3, [0, 3], threads=2, batch=7, seed=2)
    assert_same_run(blocked1, blocked2)
    np.testing.assert_allclose(blocked1.cost, want["cost"], rtol=1e-10, atol=0)


def test_real_network_full_batch_equals_naive(real_data):
    """The full-batch run on the real network and images equals the naive loop, both inits."""
    x, y = real_data
    for init in INITS:
        theta0 = flatten(init_weights(135, REAL, init))
        c = {**DEFAULTS["momentum"], "lr": 0.5}
        want = naive_whole_train(theta0, x, y, REAL, "momentum", c, 3)
        run = train(theta0, x, y, REAL, "momentum", c, 3, [3], threads=2)
        np.testing.assert_allclose(run.cost, want["cost"], rtol=1e-10, atol=0)
        np.testing.assert_allclose(run.final, want["final"], rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------ divergence
def test_diverging_mini_batch_runs_stop_at_the_epoch(small_data):
    """A weight or gradient that is not finite during epoch k's updates ends the run at k."""
    x, y = small_data[0][:N].copy(), small_data[1][:N]
    theta0 = theta_of(3, SMALL)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        # lr = inf: the first batch's update makes the weights infinite mid-epoch
        weights = train(theta0, x, y, SMALL, "sgd", {"lr": np.inf}, 5, range(6), batch=7)
        # one batch an epoch: the infinite weights are the next epoch's state, as full batch
        whole = train(theta0, x, y, SMALL, "sgd", {"lr": np.inf}, 5, range(6), batch=N)
        # an infinite pixel: J stays finite (saturated units) but that sample's gradient is not
        x[9, 100] = np.inf
        grads = train(theta0, x, y, SMALL, "adam", None, 5, range(6), batch=7, seed=1)
        full = train(theta0, x, y, SMALL, "adam", None, 5, range(6))
    assert weights.diverged_at == 0
    np.testing.assert_array_equal(weights.epoch, [0])
    np.testing.assert_array_equal(weights.final, theta0)  # the last recorded state
    np.testing.assert_array_equal(weights.snapshots, [theta0])
    assert whole.diverged_at == 1
    np.testing.assert_array_equal(whole.epoch, [0, 1])
    assert np.isfinite(whole.cost[0]) and not np.isfinite(whole.final).all()
    assert grads.diverged_at == full.diverged_at == 0
    first_bad = int(np.nonzero(batch_order(1, 0, N) == 9)[0][0]) // 7
    assert first_bad > 0  # earlier batches were applied, yet final is the recorded state
    assert np.isfinite(grads.cost[0]) and grads.cost[0] == full.cost[0]
    np.testing.assert_array_equal(grads.final, theta0)
    np.testing.assert_array_equal(grads.epoch, [0])
