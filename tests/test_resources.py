"""The cluster cost model (losslandscape.resources) as plain functions: sizes, scaling, retries."""

from __future__ import annotations

import pytest

from losslandscape import resources as R

OUTPUT_PAIR = "w2-5-250_w2-5-251"
HIDDEN_PAIR = "w0-5-406_w0-5-407"


def test_memory_is_base_plus_samples_plus_units_rounded_up() -> None:
    mb = R.job_mem_mb(n=10_000, units=1600, mb_per_unit=R.MB_PER_GRID_POINT)
    assert mb == 1000 + 250 + 1  # 1000 + 0.025 * 10,000 + 0.16, rounded up


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_every_retry_doubles_memory_and_runtime(attempt: int) -> None:
    first_mb = R.job_mem_mb(1000, 4000, R.MB_PER_EPOCH)
    first_min = R.job_runtime("trajectory", 4000, 1000, HIDDEN_PAIR, [50, 500])
    assert R.job_mem_mb(1000, 4000, R.MB_PER_EPOCH, attempt) == first_mb * 2 ** (attempt - 1)
    assert R.job_runtime("trajectory", 4000, 1000, HIDDEN_PAIR, [50, 500], attempt) == (
        first_min * 2 ** (attempt - 1)
    )


def test_runtime_grows_with_work_and_has_a_floor() -> None:
    floor = R.JOB_BASE_S // 60
    assert R.job_runtime("grid", 0, 1, OUTPUT_PAIR, [50, 500]) == floor  # start-up only
    small = R.job_runtime("grid", 1600, 10_000, HIDDEN_PAIR, [50, 500])
    big = R.job_runtime("grid", 1_000_000, 10_000, HIDDEN_PAIR, [50, 500])
    assert floor <= small < big
    # 1e6 points x (1e-6 + 3e-6 x 1e4) s = 31,000 s of work, plus 300 s, in minutes, rounded up
    assert big == -(-(300 + 1e6 * (1e-6 + 3e-6 * 1e4)) // 60)


def test_a_pair_below_the_output_layer_costs_more_per_sample() -> None:
    hidden = R.job_runtime("trajectory", 100_000, 10_000, HIDDEN_PAIR, [50, 500])
    output = R.job_runtime("trajectory", 100_000, 10_000, OUTPUT_PAIR, [50, 500])
    assert hidden > 10 * output


def test_bigger_networks_scale_the_time_and_smaller_ones_do_not_shrink_it() -> None:
    assert R.time_factor([50, 500]) == 1.0
    assert R.time_factor([5, 5]) == 1.0
    assert R.time_factor([100, 1000]) == pytest.approx(
        (784 * 100 + 100 * 1000 + 1000 * 10) / R.MEASURED_WEIGHTS
    )
    pair = "w2-5-250_w2-5-251"
    assert R.job_runtime("grid", 10**6, 10**4, pair, [100, 1000]) > R.job_runtime(
        "grid", 10**6, 10**4, pair, [50, 500]
    )


# ---------------------------------------------------------------------- one job of each rule
CONFIG = {
    "mnist": {"split": "test"},
    "network": {"hidden": [50, 500]},
    "landscapes": {"grid": {"resolution": 40}},
    "analysis": {"basins": {"resolution": 30}},
    "trajectories": {"epochs": 10_000},
    "training": {
        "epochs": 2000,
        "snapshots": 100,
        "heldout": "auto",
        "runs": {"sgd": {"optimizer": "sgd"}, "small": {"optimizer": "sgd", "batch": 50}},
        "sharpness": {"eigenvalues": 2},
        "spectrum": {"at": ["first", "last"], "lanczos": 80, "probes": 4},
    },
    "planes": {"grid": {"resolution": 41}},
    "lines": {"points": 101},
}


def sizes(**wildcards: str) -> R.JobSizes:
    return R.JobSizes.of(CONFIG, {"n": "1000", **wildcards})


def test_job_sizes_come_from_the_config_and_the_wildcards() -> None:
    s = sizes(pair=OUTPUT_PAIR)
    assert (s.n, s.hidden, s.pair, s.plane) == (1000, (50, 500), OUTPUT_PAIR, "")
    assert (s.grid_resolution, s.basin_resolution, s.plane_resolution) == (40, 30, 41)
    assert (s.trajectory_epochs, s.training_epochs, s.snapshots, s.line_points) == (
        10_000, 2000, 100, 101
    )  # fmt: skip
    assert s.heldout_n == 5000 and not s.minibatch  # the test split's last 5,000 images
    assert sizes(run="small").minibatch and not sizes(run="sgd").minibatch


def test_each_rule_asks_what_its_cost_model_says() -> None:
    """The table is the cost model spelled per rule: each entry from the figures above."""
    pair = sizes(pair=HIDDEN_PAIR)
    assert R.mem_mb("grid", pair) == R.job_mem_mb(1000, 1600, R.MB_PER_GRID_POINT)
    assert R.runtime("grid", pair) == R.job_runtime("grid", 1600, 1000, HIDDEN_PAIR, [50, 500])
    assert R.mem_mb("trajectory", pair) == R.job_mem_mb(1000, 10_000, R.MB_PER_EPOCH)
    assert R.mem_mb("basins", pair) == R.job_mem_mb(1000, 900, R.MB_PER_ANALYSIS_POINT)
    assert R.mem_mb("plateaus", pair) == R.job_mem_mb(1000, 1600, R.MB_PER_ANALYSIS_POINT)
    net = sizes(plane="sgd-hessian")
    assert R.mem_mb("train", net) == R.whole_network_mem_mb(1000, [50, 500], 108)
    assert R.runtime("train", net) == R.whole_network_runtime(2000, 1000, [50, 500])
    assert R.mem_mb("plane_grid", net) == R.whole_network_mem_mb(1000, [50, 500], 140)
    assert R.runtime("plane_grid", net) == R.whole_network_runtime(41**2, 1000, [50, 500])
    assert R.runtime("plane_gradient", net) == R.whole_network_runtime(3 * 41**2, 1000, [50, 500])
    assert R.runtime("plane_path", net) == R.whole_network_runtime(200, 1000, [50, 500])
    assert R.runtime("line", net) == R.whole_network_runtime(101, 1000, [50, 500])
    # mini-batch epochs: a pass for the record and the batches' passes
    small = sizes(run="small")
    assert R.runtime("train", small) == R.whole_network_runtime(4000, 1000, [50, 500])
    # the held-out record: every snapshot through the held-out images
    assert R.runtime("heldout", net) == R.whole_network_runtime(100, 5000, [50, 500])
    assert R.mem_mb("heldout", net) == R.whole_network_mem_mb(5000, [50, 500], 108)
    # sharpness: products per snapshot and eigenvalue; spectra: probes x steps per snapshot
    per_run = R.PASSES_PER_PRODUCT * R.SHARPNESS_PRODUCTS * 2 * 100
    assert R.runtime("sharpness", net) == R.whole_network_runtime(per_run, 1000, [50, 500])
    spectra = R.PASSES_PER_PRODUCT * 2 * 4 * 80
    assert R.runtime("spectrum", net) == R.whole_network_runtime(spectra, 1000, [50, 500])
    twin = 1.5  # the float32 twin of the activation cache
    want = R.whole_network_mem_mb(1000, [50, 500], 300 + 300 + 8, activations=twin)
    assert R.mem_mb("sharpness", net) == want
    assert R.mem_mb("spectrum", net) == R.whole_network_mem_mb(1000, [50, 500], 300 + 80 + 8)
    off = {**CONFIG, "training": {**CONFIG["training"], "sharpness": None, "spectrum": None}}
    none = R.JobSizes.of(off, {"n": "1000"})
    assert (none.eigenvalues, none.spectrum_at, none.lanczos, none.probes) == (0, 0, 0, 0)
    # the directions' runtime follows the plane's kind: Lanczos takes many more passes
    assert R.runtime("directions", net) > R.runtime("directions", sizes(plane="sgd-pca"))


@pytest.mark.parametrize("rule", sorted(R.RULE_COSTS))
def test_every_estimate_doubles_with_every_retry(rule: str) -> None:
    s = sizes(pair=OUTPUT_PAIR, plane="init-random0")
    for pick, estimate in zip((R.mem_mb, R.runtime), R.RULE_COSTS[rule], strict=True):
        if estimate is None:
            with pytest.raises(KeyError, match=rule):
                pick(rule, s)
        else:
            assert pick(rule, s, 3) == 4 * pick(rule, s, 1)


def test_every_rule_with_a_cost_is_a_rule_of_the_workflow() -> None:
    """The table names rules the workflow defines (its resources call it by rule name)."""
    from pathlib import Path

    rules = Path(__file__).resolve().parents[1] / "workflow" / "rules"
    text = "".join(p.read_text() for p in rules.glob("*.smk"))
    for rule in R.RULE_COSTS:
        assert f"rule {rule}:" in text, rule
        assert f'job_mem_mb("{rule}")' in text, rule
