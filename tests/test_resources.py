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
