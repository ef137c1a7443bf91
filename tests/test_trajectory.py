"""Trajectories equal the naive training loop (fresh forward and backward pass every epoch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslandscape.data.idx import load_split
from losslandscape.io import read_columns, read_metadata
from losslandscape.jobs.common import PairInputs
from losslandscape.jobs.grids import trajectory_job
from losslandscape.landscape.pair import PairSlice
from losslandscape.network.model import init_weights
from losslandscape.network.names import parse_pair
from losslandscape.optimizers import DEFAULTS, NAMES, constants, make_step
from losslandscape.reference import naive_trajectory
from losslandscape.specs import LandscapeSpec, OptimizerSpec

LANDSCAPE = LandscapeSpec(135, 10, "w2-5-250_w2-5-251", (50, 500), "test")

HIDDEN = [6, 8]
SEED = 3
EPOCHS = 300


@pytest.mark.parametrize("optimizer", NAMES)
@pytest.mark.parametrize(
    "pair", ["w2-5-2_w2-5-3", "w2-5-2_w2-1-3", "w1-2-3_w1-4-3", "w0-1-10_w0-1-4", "w2-3-1_w0-1-4"]
)
def test_trajectory_equals_naive_loop(small_data, pair, optimizer):
    from losslandscape.landscape.trajectory import run_trajectory

    x, y = small_data
    wa, wb = parse_pair(pair)
    c = DEFAULTS[optimizer]
    sl = PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wb)
    got = run_trajectory(sl, optimizer, c, (1.5, -2.0), EPOCHS)
    want = naive_trajectory(SEED, HIDDEN, x, y, wa, wb, optimizer, c, (1.5, -2.0), EPOCHS)
    assert got.diverged_at is None
    np.testing.assert_array_equal(got.epoch, np.arange(EPOCHS + 1))
    assert (got.a[0], got.b[0]) == (1.5, -2.0)
    np.testing.assert_allclose(got.cost, want["cost"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.a, want["w_a"], rtol=0, atol=1e-7)
    np.testing.assert_allclose(got.b, want["w_b"], rtol=0, atol=1e-7)
    assert np.ptp(got.a) + np.ptp(got.b) > 1e-6  # the weights really moved


def test_seeds_default_pair_on_real_mnist(mnist_test_split):
    """The seeds' own setting (784-50-500-10, seed 135, lr 10) on real images, every optimizer."""
    from losslandscape.landscape.trajectory import run_trajectory

    images, labels = mnist_test_split
    x, y = load_split(images, labels, 50)
    for pair in ["w2-5-250_w2-5-251", "w1-200-30_w1-200-31"]:
        wa, wb = parse_pair(pair)
        sl = PairSlice(init_weights(135, [50, 500]), x, y, wa, wb)
        for optimizer in ("sgd", "nesterov", "adam"):
            c = DEFAULTS[optimizer]
            got = run_trajectory(sl, optimizer, c, (-9.0, 15.0), 200)
            want = naive_trajectory(135, [50, 500], x, y, wa, wb, optimizer, c, (-9.0, 15.0), 200)
            np.testing.assert_allclose(got.cost, want["cost"], rtol=0, atol=1e-9)
            np.testing.assert_allclose(got.a, want["w_a"], rtol=0, atol=1e-7)
            np.testing.assert_allclose(got.b, want["w_b"], rtol=0, atol=1e-7)


def test_optimizer_rules_on_arrays_match_floats():
    """One definition serves floats (one start) and arrays (many starts) identically."""
    g = np.array([0.3, -1.2, 2.5])
    for name in NAMES:
        arr = make_step(name, DEFAULTS[name])
        floats = [make_step(name, DEFAULTS[name]) for _ in g]
        w_arr = np.array([1.0, 2.0, 3.0])
        w_f = [1.0, 2.0, 3.0]
        for t in range(1, 6):
            w_arr = arr(w_arr, g * t, t)
            w_f = [f(w, gi * t, t) for f, w, gi in zip(floats, w_f, g, strict=True)]
        np.testing.assert_allclose(w_arr, w_f, rtol=1e-15)


def test_optimizer_constants_are_checked():
    assert constants("adam", {"lr": 1}) == {**DEFAULTS["adam"], "lr": 1.0}
    with pytest.raises(ValueError, match="unknown optimizer 'sgdx'"):
        constants("sgdx", {})
    with pytest.raises(ValueError, match="no constant"):
        constants("sgd", {"rho": 0.9})


def test_divergence_is_recorded_not_crashing(tmp_path, mnist_test_split, caplog):
    """A step that overflows ends the file at that epoch, says so in metadata and the log."""
    images, labels = mnist_test_split
    out = tmp_path / "t.parquet"
    trajectory_job(
        PairInputs(str(images), str(labels), LANDSCAPE),
        str(out),
        OptimizerSpec("rmsprop", {"lr": 1e308, "rho": 0.9, "eps": 1e-300}),
        start=(-9.0, 15.0),
        epochs=50,
    )
    cols = read_columns(out)
    meta = read_metadata(out)
    k = meta["diverged_at_epoch"]
    assert k is not None and 0 < k <= 50
    assert len(cols["epoch"]) == k + 1
    assert not (math.isfinite(cols["w_a"][-1]) and math.isfinite(cols["w_b"][-1]))
    assert np.all(np.isfinite(cols["cost"][:-1]))
    assert "diverged at epoch" in caplog.text


def test_trajectory_file_layout(tmp_path, mnist_test_split):
    images, labels = mnist_test_split
    out = tmp_path / "t.parquet"
    trajectory_job(
        PairInputs(str(images), str(labels), LANDSCAPE),
        str(out),
        OptimizerSpec("adam", DEFAULTS["adam"]),
        start=(-9.0, 15.0),
        epochs=20,
    )
    cols = read_columns(out)
    assert list(cols) == ["epoch", "w_a", "w_b", "cost"]
    assert cols["epoch"].dtype == np.int64 and cols["cost"].dtype == np.float64
    assert len(cols["epoch"]) == 21 and (cols["w_a"][0], cols["w_b"][0]) == (-9.0, 15.0)
    meta = read_metadata(out)
    assert meta["optimizer"] == "adam" and meta["diverged_at_epoch"] is None
    assert meta["mnist_md5"]["t10k-images-idx3-ubyte.gz"] == "9fb629c4189551a2d022fa330f9573f3"


def test_arrow_columns_equal_pa_array_and_skip_pandas():
    import subprocess
    import sys

    import pyarrow as pa

    from losslandscape.io import to_arrow

    for values in (np.array([1.5, -0.0, np.nan, np.inf]), np.arange(5, dtype=np.int64)):
        got, want = to_arrow(values), pa.array(values)
        assert got.type == want.type and got.null_count == want.null_count == 0
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert to_arrow(np.array([True, False])).equals(pa.array([True, False]))
    code = (
        "import sys, numpy as np; from losslandscape.io import write_table; "
        "write_table(sys.argv[1], {'a': np.arange(3.0), 'b': np.arange(3)}, {}); "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, "/tmp/ll-arrow-check.parquet"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "False"  # a trajectory job does not pay for importing pandas
