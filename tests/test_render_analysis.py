"""Drawing the analysis: critical-point markers, basin maps; the summary table."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from losslandscape.io import write_table
from losslandscape.landscape.summary import SUMMARY_BASE_COLUMNS, summary_frame
from losslandscape.render.contour import render_basin_map, render_contour
from losslandscape.render.data import BasinMap, CriticalPoints, Landscape, Track
from losslandscape.render.interactive import (
    critical_traces,
    render_interactive,
)
from losslandscape.render.options import DEFAULT_RENDER, resolve_options

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

PAIR = "w2-5-250_w2-5-251"
SMALL = {
    "contour": {"figsize": [4.0, 3.0], "dpi": 40},
    "basin_map": {"figsize": [5.0, 3.0], "dpi": 40},
}


def _cost(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two wells at (-5, -5) and (6, 6), a saddle between them."""
    return (
        4.0
        - np.exp(-((a + 5) ** 2 + (b + 5) ** 2) / 30)
        - np.exp(-((a - 6) ** 2 + (b - 6) ** 2) / 30)
    )


def _grid(res: int = 15) -> pd.DataFrame:
    m1, m2 = np.meshgrid(np.linspace(-15, 17, res), np.linspace(-15, 18, res))
    return pd.DataFrame({"w_a": m1.ravel(), "w_b": m2.ravel(), "cost": _cost(m1, m2).ravel()})


CRITICAL = pd.DataFrame(
    {
        "w_a": [-5.0, 6.0, 0.5, 16.0],
        "w_b": [-5.0, 6.0, 0.5, -14.0],
        "cost": [3.0, 3.01, 3.5, 4.0],
        "grad_norm": [0.0, 0.0, 0.0, 0.0],
        "eig_min": [0.1, 0.1, -0.1, 0.0],
        "eig_max": [0.2, 0.2, 0.1, 0.0],
        "kind": ["minimum", "minimum", "saddle", "degenerate"],
    }
)


def _basins(res: int = 10) -> pd.DataFrame:
    """Left half to minimum 0, right half to minimum 1, top row none, one corner diverged."""
    m1, m2 = np.meshgrid(np.linspace(-15, 17, res), np.linspace(-15, 18, res))
    minimum = np.where(m1 < 1, 0, 1)
    minimum[-1, :] = -1
    diverged = np.zeros_like(minimum, dtype=bool)
    diverged[0, 0] = True
    minimum[0, 0] = -1
    return pd.DataFrame(
        {
            "start_a": m1.ravel(),
            "start_b": m2.ravel(),
            "end_a": m1.ravel(),
            "end_b": m2.ravel(),
            "final_cost": _cost(m1, m2).ravel(),
            "diverged": diverged.ravel(),
            "minimum": minimum.ravel().astype(np.int64),
        }
    )


def _colours(path: Path) -> set[tuple[int, int, int]]:
    with Image.open(path) as im:
        return {c for _, c in im.convert("RGB").getcolors(maxcolors=1 << 20)}


def test_contour_marks_critical_points_and_show_false_removes_them(tmp_path: Path) -> None:
    land = Landscape.from_frame(_grid(), pair=PAIR)
    render_contour(land, [], tmp_path / "plain.png", options=SMALL)
    render_contour(land, [], tmp_path / "marked.png", options=SMALL, critical=CRITICAL)
    hidden = {**SMALL, "critical": {"show": False}}
    render_contour(land, [], tmp_path / "hidden.png", options=hidden, critical=CRITICAL)
    marked = (tmp_path / "marked.png").read_bytes()
    assert marked != (tmp_path / "plain.png").read_bytes()
    assert (tmp_path / "hidden.png").read_bytes() == (tmp_path / "plain.png").read_bytes()
    # the saddle's red face is drawn (terrain's colours have no pure red)
    assert (255, 0, 0) in _colours(tmp_path / "marked.png")
    again = tmp_path / "again.png"
    render_contour(land, [], again, options=SMALL, critical=CriticalPoints.from_frame(CRITICAL))
    assert again.read_bytes() == marked


def test_basin_map_colours_and_shares(tmp_path: Path) -> None:
    land = Landscape.from_frame(_grid(), pair=PAIR)
    basin = BasinMap.from_frame(_basins())
    assert basin.minimum.shape == (10, 10) and basin.diverged[0, 0]
    shares = render_basin_map(
        basin, tmp_path / "b.png", landscape=land, critical=CRITICAL, options=SMALL
    )
    assert shares["diverged"] == 0.01 and shares["none"] == 0.1
    assert math.isclose(sum(shares.values()), 1.0)
    assert shares["minimum 0"] > 0 and shares["minimum 1"] > 0
    colours = _colours(tmp_path / "b.png")
    o = resolve_options()["basin_map"]
    assert o["none_color"] == "lightgray" and (211, 211, 211) in colours
    assert o["diverged_color"] == "dimgray" and (105, 105, 105) in colours
    assert (31, 119, 180) in colours and (255, 127, 14) in colours  # tab10: minima 0 and 1
    with Image.open(tmp_path / "b.png") as im:
        assert im.size == (200, 120)
    # no critical points: every start that "reached" a label counts as none
    bare = render_basin_map(basin, tmp_path / "bare.png", options=SMALL)
    assert bare == {"none": 0.99, "diverged": 0.01}


def test_basin_table_order_is_checked() -> None:
    frame = _basins(4)
    with pytest.raises(ValueError, match="ravel order"):
        BasinMap.from_frame(frame.rename(columns={"start_a": "start_b", "start_b": "start_a"}))
    with pytest.raises(ValueError, match="lacks column 'minimum'"):
        BasinMap.from_frame(frame.drop(columns="minimum"))
    with pytest.raises(ValueError, match="lacks column 'kind'"):
        CriticalPoints.from_frame(CRITICAL.drop(columns="kind"))


def test_html_marks_critical_points_after_the_animated_traces(tmp_path: Path) -> None:
    land = Landscape.from_frame(_grid(), pair=PAIR)
    t = np.arange(21)
    track = pd.DataFrame(
        {"epoch": t, "w_a": -9.0 + 0.1 * t, "w_b": 15.0 - 0.2 * t, "cost": 4.0 - 0.001 * t}
    )
    tracks = [Track.from_frame(track, name="sgd")]
    opts = {"interactive": {"frames": [[0, 21, 10]]}}
    render_interactive(land, tracks, tmp_path / "p.html", style="optimizers", options=opts)
    render_interactive(
        land, tracks, tmp_path / "c.html", style="optimizers", options=opts, critical=CRITICAL
    )
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    for name in ("minimum", "saddle", "degenerate"):
        assert page.count(f'"name":"{name}"') == 2, name  # surface and contour plot
    assert '"name":"maximum"' not in page  # only the kinds present
    assert "saddle 2: w_a=0.5, w_b=0.5" in page  # hover: kind, row number, weights, cost
    assert '"name":"minimum"' not in (tmp_path / "p.html").read_text(encoding="utf-8")
    crit = resolve_options()["critical"]
    points = CriticalPoints.from_frame(CRITICAL)
    flat = critical_traces(points, crit, three_d=False)
    solid = critical_traces(points, crit, three_d=True, lift=2.0)
    assert [tr.name for tr in flat] == ["minimum", "saddle", "degenerate"]
    assert [tr.marker.symbol for tr in solid] == ["circle", "x", "square"]  # 3D-valid symbols
    np.testing.assert_array_equal(solid[0].z, [6.0, 6.02])
    assert critical_traces(points, {**crit, "show": False}, three_d=False) == []


RENDER_TWICE = """
import sys
import pandas as pd
from losslandscape.render.contour import render_basin_map, render_contour
from losslandscape.render.data import BasinMap, CriticalPoints, Landscape, Track
from losslandscape.render.interactive import render_interactive
from losslandscape.render.options import DEFAULT_RENDER, resolve_options
out = sys.argv[2]
grid, crit, basins = (pd.read_parquet(f"{out}/../{n}.parquet") for n in ("g", "c", "b"))
land = Landscape.from_frame(grid, pair="w2-5-250_w2-5-251", seed=1, n=20)
opts = {"basin_map": {"figsize": [5.0, 3.0], "dpi": 40}}
render_basin_map(BasinMap.from_frame(basins), f"{out}/b.png", landscape=land, critical=crit,
                options=opts, provenance='{"figure":"basin_map"}')
"""


def test_basin_map_is_byte_identical_across_processes(tmp_path: Path) -> None:
    _grid().to_parquet(tmp_path / "g.parquet")
    CRITICAL.to_parquet(tmp_path / "c.parquet")
    _basins().to_parquet(tmp_path / "b.parquet")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}"
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"}
        args = [sys.executable, "-c", RENDER_TWICE, str(SRC), str(out)]
        subprocess.run(args, env=env, check=True, timeout=120)
        outs.append((out / "b.png").read_bytes())
    assert outs[0] == outs[1]
    with Image.open(tmp_path / "run1" / "b.png") as im:
        assert json.loads(im.text["Description"]) == {"figure": "basin_map"}  # type: ignore[attr-defined]


def test_critical_options_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown render option critical.kinds.'ridge'"):
        resolve_options({"critical": {"kinds": {"ridge": {"marker": "s"}}}})
    merged = resolve_options({"critical": {"kinds": {"saddle": {"color": "gold"}}}})
    assert merged["critical"]["kinds"]["saddle"] == {
        **DEFAULT_RENDER["critical"]["kinds"]["saddle"],
        "color": "gold",
    }


# ---------------------------------------------------------------------- the summary table
def _write(path: Path, columns: dict, **meta) -> str:
    write_table(path, {k: np.asarray(v) for k, v in columns.items()}, meta)
    return str(path)


def test_summary_rows_columns_and_missing_values(tmp_path: Path) -> None:
    grid = _grid(5)
    grids, crits, plateaus = [], [], []
    for pair in ("w1-5-5_w1-5-6", "w2-5-250_w2-5-251"):
        key = {"seed": 7, "n": 20, "pair": pair}
        grids.append(_write(tmp_path / f"g_{pair}.parquet", dict(grid), **key))
        crit = CRITICAL if pair.startswith("w1") else CRITICAL.iloc[:0]
        cols = {c: crit[c].to_numpy() for c in crit.columns}
        cols["kind"] = crit["kind"].to_numpy().astype(str)
        crits.append(
            _write(
                tmp_path / f"c_{pair}.parquet", cols, a=[-15, 17], b=[-15, 18], resolution=5, **key
            )
        )
        plateaus.append(
            _write(
                tmp_path / f"p_{pair}.parquet",
                {"plateau": [True, False]},
                threshold=1e-5,
                plateau_share=0.5,
                **key,
            )  # fmt: skip
        )
    traj = []
    for name, (a, b, cost) in {
        "a-9_b15": (-5.1, -4.9, 3.0),
        "a10_b5": (np.inf, 5.0, np.nan),
    }.items():
        start = [-9.0, 15.0] if name == "a-9_b15" else [10.0, 5.0]
        traj.append(
            _write(
                tmp_path / f"t_{name}.parquet",
                {"epoch": [0, 1], "w_a": [start[0], a], "w_b": [start[1], b], "cost": [4.0, cost]},
                seed=7,
                n=20,
                pair="w1-5-5_w1-5-6",
                optimizer="sgd",
                start=start,
            )  # fmt: skip
        )
    basin = _basins(4)
    bas = _write(tmp_path / "b.parquet", dict(basin), seed=7, n=20, pair="w1-5-5_w1-5-6",
                 optimizer="sgd", epochs=9, resolution=4)  # fmt: skip
    frame, meta = summary_frame(grids[::-1], crits, plateaus, traj, [bas])
    assert list(frame["pair"]) == ["w1-5-5_w1-5-6", "w2-5-250_w2-5-251"]  # sorted rows
    assert list(frame.columns[: len(SUMMARY_BASE_COLUMNS)]) == SUMMARY_BASE_COLUMNS
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first.minima, first.saddles, first.degenerate, first.maxima) == (2, 1, 1, 0)
    assert (first.lowest_minimum_cost, first.lowest_minimum_w_a) == (3.0, -5.0)
    assert second.minima == 0 and math.isnan(second.lowest_minimum_cost)
    assert first.cost_min == grid["cost"].min() and first.plateau_share == 0.5
    assert first["end_sgd_a-9_b15_minimum"] == 0  # within one grid step of minimum 0
    assert first["end_sgd_a-9_b15_w_a"] == -5.1
    assert first["end_sgd_a10_b5_minimum"] == -1 and math.isnan(first["end_sgd_a10_b5_cost"])
    assert pd.isna(second["end_sgd_a-9_b15_minimum"]) and math.isnan(second["end_sgd_a-9_b15_w_a"])
    shares = basin["minimum"].to_numpy()
    assert first["basin_sgd_minimum"] == np.mean(shares >= 0)
    assert first["basin_sgd_diverged"] == np.mean(basin["diverged"])
    assert math.isnan(second["basin_sgd_minimum"])
    assert meta["plateau_threshold"] == 1e-5 and meta["basins"] == {
        "sgd": {"epochs": 9, "resolution": 4}
    }
    with pytest.raises(ValueError, match="two grid files"):
        summary_frame(grids + grids[:1], crits, plateaus)
    with pytest.raises(ValueError, match="no file for these landscapes"):
        summary_frame(grids[:1], crits, plateaus)
