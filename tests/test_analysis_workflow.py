"""The analysis through the real workflow, on tests/configs/analysis.yaml, offline.

One complete run of the default target (module fixture); the outputs are checked against the
contract (columns, grid order, one summary row per grid), then dry runs on copies of the run
check that a changed analysis key reruns only the jobs that use it, never grids or trajectories.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, config_variant, dry_run_jobs, needs_mnist, snakemake_output
from PIL import Image

from losslandscape.jobs.analysis import PLATEAU_COLUMNS
from losslandscape.landscape.analysis import BASIN_COLUMNS, CRITICAL_COLUMNS, KINDS
from losslandscape.landscape.summary import SUMMARY_BASE_COLUMNS
from losslandscape.network.names import start_name

CONFIG = REPO / "tests" / "configs" / "analysis.yaml"
CFG = yaml.safe_load(CONFIG.read_text())
LAND, TRAJ, ANALYSIS = CFG["landscapes"], CFG["trajectories"], CFG["analysis"]
META_KEY = b"losslandscape"

pytestmark = [pytest.mark.slow, needs_mnist]


def smk(workdir: Path, *args: str, config: Path = CONFIG) -> str:
    """Run the workflow in `workdir` on exactly `config`; require success, return its output."""
    return snakemake_output(workdir, config, *args)


def job_stats(workdir: Path, config: Path = CONFIG) -> Counter:
    """Jobs per rule that a dry run of the default target would execute (target rules left out)."""
    return dry_run_jobs(smk(workdir, "-n", config=config), ("all",))


def variant(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """analysis.yaml with `edit` applied."""
    return config_variant(CONFIG, tmp_path, edit)


def metadata(path: Path) -> dict[str, Any]:
    """The JSON parameters a result file carries."""
    return json.loads((pq.read_schema(path).metadata or {})[META_KEY])


def combos(section: dict[str, Any]) -> set[tuple[int, int, str]]:
    """(seed, n, pair) of a config section's cross product."""
    return {(s, n, p) for s in section["seeds"] for n in section["n"] for p in section["pairs"]}


GRIDS = sorted(combos(LAND) | combos(TRAJ))
BASIN_COMBOS = sorted(combos(TRAJ))
STARTS = [start_name(a, b) for a, b in TRAJ["starts"]]


def analysis_dir(seed: int, n: int, pair: str) -> str:
    """results/analysis/{seed}/{n}/{pair}"""
    return f"results/analysis/{seed}/{n}/{pair}"


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One complete run of the default target (never modified: tests copy it)."""
    workdir = tmp_path_factory.mktemp("analysis-run")
    smk(workdir, "-c2")
    return workdir


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def test_critical_points_files(complete_run: Path) -> None:
    found = 0
    for seed, n, pair in GRIDS:
        path = complete_run / analysis_dir(seed, n, pair) / "critical_points.parquet"
        table = pq.read_table(path)
        assert table.column_names == CRITICAL_COLUMNS, path
        frame = table.to_pandas()
        assert set(frame["kind"]) <= set(KINDS)
        assert (frame["grad_norm"] < 1e-10).all()
        assert frame["w_a"].between(*LAND["grid"]["a"]).all()
        assert frame["w_b"].between(*LAND["grid"]["b"]).all()
        assert frame["cost"].is_monotonic_increasing  # rows sorted by cost
        meta = metadata(path)
        assert meta["kind"] == "critical_points" and meta["tol"] == 1e-10
        assert (meta["seed"], meta["n"], meta["pair"]) == (seed, n, pair)
        assert meta["a"] == LAND["grid"]["a"] and meta["resolution"] == LAND["grid"]["resolution"]
        assert meta["counts"] == {k: int((frame["kind"] == k).sum()) for k in KINDS}
        found += len(frame)
    assert found >= 3  # w1-5-5_w1-5-6 of seed 135 at N=20: two minima and a saddle


def test_plateau_files_follow_the_grid(complete_run: Path) -> None:
    threshold = ANALYSIS["plateau_threshold"]
    for seed, n, pair in GRIDS:
        path = complete_run / analysis_dir(seed, n, pair) / "plateaus.parquet"
        table = pq.read_table(path)
        assert table.column_names == PLATEAU_COLUMNS
        assert [str(t) for t in table.schema.types] == ["double", "double", "double", "bool"]
        frame = table.to_pandas()
        grid = pd.read_parquet(complete_run / f"results/grids/{seed}/{n}/{pair}.parquet")
        np.testing.assert_array_equal(frame["w_a"], grid["w_a"])  # the grid's row order
        np.testing.assert_array_equal(frame["w_b"], grid["w_b"])
        np.testing.assert_array_equal(frame["plateau"], frame["grad_norm"] < threshold)
        meta = metadata(path)
        assert meta["threshold"] == threshold
        assert meta["plateau_share"] == pytest.approx(frame["plateau"].mean(), abs=0)


def test_basin_files(complete_run: Path) -> None:
    res = ANALYSIS["basins"]["resolution"]
    a_values = np.linspace(*LAND["grid"]["a"], res)
    b_values = np.linspace(*LAND["grid"]["b"], res)
    m1, m2 = np.meshgrid(a_values, b_values)
    reached = set()
    for seed, n, pair in BASIN_COMBOS:
        critical = pd.read_parquet(
            complete_run / analysis_dir(seed, n, pair) / "critical_points.parquet"
        )
        minima = set(np.flatnonzero(critical["kind"] == "minimum"))
        for optimizer in ANALYSIS["basins"]["optimizers"]:
            path = complete_run / analysis_dir(seed, n, pair) / f"basins_{optimizer}.parquet"
            frame = pd.read_parquet(path)
            assert list(frame.columns) == BASIN_COLUMNS
            assert len(frame) == res**2
            np.testing.assert_array_equal(frame["start_a"], m1.ravel())
            np.testing.assert_array_equal(frame["start_b"], m2.ravel())
            assert set(frame["minimum"]) <= minima | {-1}
            reached |= set(frame["minimum"]) - {-1}
            meta = metadata(path)
            assert meta["optimizer"] == optimizer and meta["epochs"] == ANALYSIS["basins"]["epochs"]
            assert meta["constants"]["lr"] == TRAJ["optimizers"][optimizer]["lr"]
            png = complete_run / f"results/figures/{seed}/{n}/{pair}/basin_map_{optimizer}.png"
            with Image.open(png) as im:
                prov = json.loads(im.text["Description"])  # type: ignore[attr-defined]
            assert prov["figure"] == "basin_map" and prov["inputs"]["basins"].endswith(path.name)
    assert len(reached) == 2  # both minima have a basin


def test_summary_has_one_row_per_grid(complete_run: Path) -> None:
    summary = pd.read_parquet(complete_run / "results/analysis/summary.parquet")
    csv = pd.read_csv(complete_run / "results/analysis/summary.csv", float_precision="round_trip")
    assert list(summary[["seed", "n", "pair"]].itertuples(index=False, name=None)) == GRIDS
    assert list(summary.columns[: len(SUMMARY_BASE_COLUMNS)]) == SUMMARY_BASE_COLUMNS
    assert list(csv.columns) == list(summary.columns)
    assert list(csv["pair"]) == list(summary["pair"])
    for column in summary.columns.drop("pair"):  # the same numbers (empty cell = null)
        want = summary[column].astype("float64").to_numpy()
        np.testing.assert_array_equal(csv[column].astype("float64").to_numpy(), want, column)
    assert str(summary["end_sgd_a10_b5_minimum"].dtype) == "Int64"  # nullable integers
    for optimizer in ANALYSIS["basins"]["optimizers"]:
        assert f"basin_{optimizer}_minimum" in summary.columns
    for optimizer in TRAJ["optimizers"]:
        for start in STARTS:
            for what in ("w_a", "w_b", "cost", "minimum"):
                assert f"end_{optimizer}_{start}_{what}" in summary.columns
    for row in summary.itertuples(index=False):
        seed, n, pair = row.seed, row.n, row.pair
        grid = pd.read_parquet(complete_run / f"results/grids/{seed}/{n}/{pair}.parquet")
        assert row.cost_min == grid["cost"].min() and row.cost_max == grid["cost"].max()
        folder = complete_run / analysis_dir(seed, n, pair)
        crit = pd.read_parquet(folder / "critical_points.parquet")
        kinds = crit["kind"].value_counts()
        assert (row.minima, row.maxima, row.saddles, row.degenerate) == tuple(
            int(kinds.get(k, 0)) for k in KINDS
        )
        plateaus = metadata(folder / "plateaus.parquet")
        assert row.plateau_share == plateaus["plateau_share"]
    by_pair = summary.set_index("pair")
    traj_pair = TRAJ["pairs"][0]
    other = next(p for p in LAND["pairs"] if p != traj_pair)
    for optimizer in TRAJ["optimizers"]:
        for start in STARTS:
            path = f"results/trajectories/135/20/{traj_pair}/{optimizer}/{start}.parquet"
            last = pd.read_parquet(complete_run / path).iloc[-1]
            prefix = f"end_{optimizer}_{start}"
            assert by_pair.loc[traj_pair, f"{prefix}_w_a"] == last["w_a"]
            assert by_pair.loc[traj_pair, f"{prefix}_cost"] == last["cost"]
            assert pd.isna(by_pair.loc[other, f"{prefix}_cost"])  # no trajectories there
            assert pd.isna(by_pair.loc[other, f"{prefix}_minimum"])
    # trajectories from (10, 5) end next to the minimum at about (12.8, 7.0)
    assert by_pair.loc[traj_pair, "end_sgd_a10_b5_minimum"] == 1


def test_figures_mark_the_critical_points(complete_run: Path) -> None:
    base = complete_run / "results/figures/135/20/w1-5-5_w1-5-6"
    with Image.open(base / "contour_sgd.png") as im:
        prov = json.loads(im.text["Description"])  # type: ignore[attr-defined]
    assert prov["inputs"]["critical"].endswith("critical_points.parquet")
    assert "critical" in prov["params"]["render"]
    page = (base / f"interactive_{STARTS[0]}.html").read_text(encoding="utf-8")
    assert page.count('"name":"minimum"') == 2  # on the surface and on the contour plot
    assert page.count('"name":"saddle"') == 2


def test_analysis_reruns_are_byte_identical(run_copy: Path) -> None:
    results = run_copy / "results"
    analysis_files = sorted(p for p in (results / "analysis").rglob("*") if p.is_file())
    analysis_files += sorted((results / "figures").rglob("basin_map_*.png"))
    before = {p: p.read_bytes() for p in analysis_files}
    rules = ["critical_points", "plateaus", "basins", "analysis_summary", "basin_map"]
    out = smk(run_copy, "-c2", "--forcerun", *rules)  # smk's next option ends the list
    assert "grid" not in re.findall(r"rule (\w+):", out)
    changed = [str(p.relative_to(run_copy)) for p in analysis_files if p.read_bytes() != before[p]]
    assert not changed


# --------------------------------------------------------------------------------------------
# What a changed analysis key reruns
# --------------------------------------------------------------------------------------------


def test_complete_run_leaves_nothing_to_do(run_copy: Path) -> None:
    assert job_stats(run_copy) == Counter()


def test_plateau_threshold_reruns_only_the_plateau_maps_and_summary(
    run_copy: Path, tmp_path: Path
) -> None:
    config = variant(tmp_path, lambda c: c["analysis"].update(plateau_threshold=1e-3))
    assert job_stats(run_copy, config) == Counter({"plateaus": len(GRIDS), "analysis_summary": 1})
    smk(run_copy, "-c2", config=config)
    for seed, n, pair in GRIDS:
        meta = metadata(run_copy / analysis_dir(seed, n, pair) / "plateaus.parquet")
        assert meta["threshold"] == 1e-3
    summary = pd.read_parquet(run_copy / "results/analysis/summary.parquet")
    assert (summary["plateau_share"] >= 0).all()
    assert job_stats(run_copy, config) == Counter()


def test_basin_epochs_rerun_only_basin_maps_and_summary(run_copy: Path, tmp_path: Path) -> None:
    config = variant(tmp_path, lambda c: c["analysis"]["basins"].update(epochs=50))
    k = len(BASIN_COMBOS) * len(ANALYSIS["basins"]["optimizers"])
    assert job_stats(run_copy, config) == Counter(
        {"basins": k, "basin_map": k, "analysis_summary": 1}
    )


def test_dropping_a_basin_optimizer_schedules_only_the_summary(
    run_copy: Path, tmp_path: Path
) -> None:
    config = variant(tmp_path, lambda c: c["analysis"]["basins"].update(optimizers=["sgd"]))
    assert job_stats(run_copy, config) == Counter({"analysis_summary": 1})


def test_learning_rate_reruns_that_optimizers_basins(run_copy: Path, tmp_path: Path) -> None:
    """Basin maps take their constants from trajectories.optimizers."""
    config = variant(tmp_path, lambda c: c["trajectories"]["optimizers"]["adam"].update(lr=5))
    got = job_stats(run_copy, config)
    assert got["basins"] == len(BASIN_COMBOS) and got["basin_map"] == len(BASIN_COMBOS)
    assert got["trajectory"] == len(STARTS) and "grid" not in got
    assert "critical_points" not in got and "plateaus" not in got


def test_the_api_writes_the_workflows_files(complete_run: Path, tmp_path: Path, monkeypatch):
    """losslandscape.grid, trajectory, critical_points, plateaus and basins run the workflow's
    own jobs: from the same plain values they give the workflow's files (same metadata, same
    values), under the same names in the API's workspace."""
    import losslandscape as ll

    monkeypatch.setenv("LOSSLANDSCAPE_CACHE", str(tmp_path / "cache"))
    ll.set_workspace(tmp_path / "api")
    cfg = yaml.safe_load(CONFIG.read_text())
    grid = cfg["landscapes"]["grid"]
    basin = cfg["analysis"]["basins"]
    pair, n, seed = "w1-5-5_w1-5-6", 20, 135
    where = {"pair": pair, "n": n, "seed": seed, "a": grid["a"], "b": grid["b"]}
    made = [
        ll.grid(resolution=grid["resolution"], progress=False, **where),
        ll.critical_points(resolution=grid["resolution"], **where),
        ll.plateaus(resolution=grid["resolution"], threshold=1e-4, **where),
        ll.basins(
            optimizer="adam",
            resolution=basin["resolution"],
            epochs=basin["epochs"],
            constants=cfg["trajectories"]["optimizers"]["adam"],
            grid_resolution=grid["resolution"],
            progress=False,
            **where,
        ),  # fmt: skip
        ll.trajectory(pair, "sgd", (-9, 15), 30, {"lr": 10}, n=n, seed=seed),
    ]
    files = [
        f"results/grids/{seed}/{n}/{pair}.parquet",
        f"results/analysis/{seed}/{n}/{pair}/critical_points.parquet",
        f"results/analysis/{seed}/{n}/{pair}/plateaus.parquet",
        f"results/analysis/{seed}/{n}/{pair}/basins_adam.parquet",
        f"results/trajectories/{seed}/{n}/{pair}/sgd/a-9_b15.parquet",
    ]
    for frame, name in zip(made, files, strict=True):
        # BLAS threads may differ between this process and the workflow's jobs: values to
        # rounding, metadata exactly
        want = ll.read(complete_run / name)
        pd.testing.assert_frame_equal(frame, want, check_exact=False, rtol=1e-12, atol=1e-12)
        assert frame.attrs == want.attrs, name
        assert (tmp_path / "api" / name).is_file()
