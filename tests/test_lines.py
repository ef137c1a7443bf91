"""Lines and planes through all weights: their names (landscape.directions) and a line's values,
directions and ranges (landscape.plane) against naive constructions."""

from __future__ import annotations

import re

import numpy as np
import pytest

from losslandscape.landscape.directions import (
    INIT,
    LINE_PATTERN,
    PLANE_PATTERN,
    RUN_PATTERN,
    Line,
    Plane,
    check_line,
    check_plane,
    check_run_name,
    parse_line,
    parse_plane,
)
from losslandscape.landscape.plane import (
    auto_range,
    line_costs,
    line_values,
    plane_grid,
    random_line_direction,
)
from losslandscape.network.model import flatten, init_weights, n_weights, unflatten
from losslandscape.network.names import NameError_
from losslandscape.reference import naive_cost_accuracy, naive_unflatten

SEED = 135
HIDDEN = [50, 500]
RUNS = ("sgd", "adam2", "m0")


def theta_of(seed: int, hidden: list[int], init: str = "seeds") -> np.ndarray:
    """The seed's initial network as a flat theta."""
    return flatten(init_weights(seed, hidden, init))


def naive_random_direction(k: int, centre: np.ndarray, hidden: list[int]) -> np.ndarray:
    """RandomState(k).randn(P), every neuron's incoming row scaled to its norm in the centre."""
    raw = np.random.RandomState(k).randn(centre.shape[0])
    rows_d, rows_c = naive_unflatten(raw, hidden), naive_unflatten(centre, hidden)
    out = []
    for d, c in zip(rows_d, rows_c, strict=True):
        scaled = np.zeros_like(d)
        for i in range(d.shape[0]):
            norm = np.sqrt(np.sum(d[i] ** 2))
            if norm > 0:
                scaled[i] = d[i] * (np.sqrt(np.sum(c[i] ** 2)) / norm)
        out.append(scaled.ravel())
    return np.concatenate(out)


# ------------------------------------------------------------------------------ names
def full(pattern: str, name: str) -> bool:
    """Whether the wildcard pattern matches the whole name, as Snakemake uses it."""
    return re.fullmatch(f"(?P<w>{pattern})", name) is not None


def test_run_names_take_digits_and_never_init():
    """Runs are [a-z][a-z0-9]*, not init."""
    for name in ("sgd", "adam2", "m0", "nadam10"):
        assert full(RUN_PATTERN, name) and check_run_name(name) is None
    for name in ("2sgd", "Sgd", "sg-d", "sg_d", ""):
        assert not full(RUN_PATTERN, name)
        assert "lower-case letter" in str(check_run_name(name))
    assert "initial network" in str(check_run_name(INIT))


def test_plane_names_with_digits_in_the_centre():
    """Planes parse, match the wildcard and keep their canonical spelling with digit centres."""
    assert parse_plane("adam2-random10") == Plane("adam2", "random", 10)
    assert parse_plane("m0-pca") == Plane("m0", "pca")
    assert parse_plane("init-random00").name == "init-random0"
    assert parse_plane("sgd-hessian").name == "sgd-hessian"
    for name in ("adam2-random10", "m0-pca", "init-hessian", "sgd-random0"):
        assert full(PLANE_PATTERN, name), name
    for name in ("adam2-random", "m0-pca1", "2a-pca", "sgd_adam", "sgd-random0/x", "sgd-line"):
        assert not full(PLANE_PATTERN, name), name
        with pytest.raises(NameError_, match="is not of the form"):
            parse_plane(name)
    assert check_plane("adam2-pca", RUNS) is None
    assert check_plane("init-random3", RUNS) is None
    assert "centre 'adam3' is neither init" in str(check_plane("adam3-random0", RUNS))
    assert "the centre must be a run" in str(check_plane("init-pca", RUNS))


def test_line_names_of_both_kinds():
    """`{from}_{to}` is a between line, `{centre}-random{k}` a random one; both are lines."""
    between = parse_line("init_adam2")
    assert between == Line("between", start="init", end="adam2")
    assert between.kind == "between" and between.anchors == ("init", "adam2")
    assert between.roles == ("start", "end")
    assert between.name == "init_adam2" and between.centre is None and between.k is None
    rnd = parse_line("m0-random12")
    assert rnd == Line("random", centre="m0", k=12)
    assert rnd.anchors == ("m0",) and rnd.name == "m0-random12"
    assert rnd.roles == ("centre",)
    assert rnd.start is None and rnd.end is None
    assert parse_line("init-random007").name == "init-random7"
    with pytest.raises(AttributeError):
        rnd.k = 3  # frozen
    for name in ("init_adam2", "sgd_m0", "m0-random12", "init-random0", "sgd_sgd"):
        assert full(LINE_PATTERN, name), name
    bad = ("init-pca", "sgd-random", "2a_sgd", "sgd_", "_sgd", "a_b_c", "sgd-random0/x", "sgd")
    for name in bad:
        assert not full(LINE_PATTERN, name), name
        with pytest.raises(NameError_, match=r"\{from\}_\{to\} or \{centre\}-random\{k\}"):
            parse_line(name)


def test_check_line_names_what_is_wrong():
    """A line of the configured runs passes; unknown ends or centres and equal ends do not."""
    for name in ("init_sgd", "adam2_m0", "m0_init", "init-random0", "adam2-random4"):
        assert check_line(name, RUNS) is None, name
    assert check_line("init_nadam", RUNS) == (
        "end 'nadam' is neither init nor a training run (sgd, adam2, m0)"
    )
    assert "end 'adam' is neither init" in str(check_line("adam_sgd", RUNS))
    assert check_line("adam-random1", RUNS) == (
        "centre 'adam' is neither init nor a training run (sgd, adam2, m0)"
    )
    assert check_line("sgd_sgd", RUNS) == "a line needs two different ends"
    assert "is not of the form" in str(check_line("sgd-pca", RUNS))


# ------------------------------------------------------------------------------ values


def test_random_line_direction_is_the_random_plane_d1():
    """The direction is RandomState(k).randn filter-normalised to the centre, the plane's d1."""
    for hidden, init in (([4, 6], "seeds"), (HIDDEN, "scaled")):
        centre = theta_of(SEED, hidden, init)
        unflatten(centre, hidden)[1][2] = 0.0  # a neuron with no incoming weight
        d = random_line_direction(centre, 3, hidden)
        np.testing.assert_allclose(d, naive_random_direction(3, centre, hidden), rtol=1e-13)
        assert not unflatten(d, hidden)[1][2].any()
        assert d.shape == (n_weights(hidden),)
        assert not np.array_equal(d, random_line_direction(centre, 4, hidden))


@pytest.mark.parametrize("threads", [1, 2])
def test_random_line_equals_naive_passes(data, threads):
    """`{centre}-random{k}`: J and accuracy at centre + t d equal a fresh full pass per point."""
    x, y = data
    centre = theta_of(SEED, HIDDEN, "scaled")
    ts = np.linspace(-2.0, 2.0, 9)
    d = naive_random_direction(5, centre, HIDDEN)
    cost, acc = line_values(centre, random_line_direction(centre, 5, HIDDEN), ts, x, y, HIDDEN)
    assert cost.shape == acc.shape == ts.shape
    for i, t in enumerate(ts):
        want = naive_cost_accuracy(naive_unflatten(centre + t * d, HIDDEN), x, y)
        assert cost[i] == pytest.approx(want[0], rel=1e-12)
        assert acc[i] == want[1]
    again = line_values(centre, random_line_direction(centre, 5, HIDDEN), ts, x, y, HIDDEN, threads)
    np.testing.assert_array_equal(again[0], cost)
    np.testing.assert_array_equal(again[1], acc)


def test_line_values_are_the_plane_row_and_line_costs_unchanged(small_data):
    """line_values is the plane with d2 = 0; line_costs is line_values along the difference."""
    x, y = small_data
    start, end = theta_of(SEED, HIDDEN), theta_of(SEED + 1, HIDDEN)
    ts = np.linspace(-0.5, 1.5, 7)
    d = end - start
    got = line_values(start, d, ts, x, y, HIDDEN)
    plane = plane_grid(start, d, np.zeros_like(d), ts, [0.0], x, y, HIDDEN)
    np.testing.assert_array_equal(got[0], plane[0])
    np.testing.assert_array_equal(got[1], plane[1])
    costs = line_costs(start, end, ts, x, y, HIDDEN, threads=2)
    np.testing.assert_array_equal(costs[0], got[0])
    np.testing.assert_array_equal(costs[1], got[1])


# ------------------------------------------------------------------------------ ranges
def test_auto_range_holds_base_and_finite_values_with_margins():
    """The smallest interval over base and the finite values, a fifth of its length each side."""
    assert auto_range([]) == (-1.4, 1.4)
    assert auto_range([np.array([0.5, -0.2])]) == (-1.4, 1.4)  # inside the base
    lo, hi = auto_range([np.array([0.0, 3.0]), np.array([np.nan, -2.0, np.inf, -np.inf])])
    assert (lo, hi) == pytest.approx((-2.0 - 1.0, 3.0 + 1.0))
    lo, hi = auto_range([np.array([[0.25, 0.5]]), np.array(4.0)], base=(0.0, 1.0))
    assert (lo, hi) == pytest.approx((-0.8, 4.8))
    assert auto_range([np.full(3, np.nan)], base=(2.0, 3.0)) == pytest.approx((1.8, 3.2))
