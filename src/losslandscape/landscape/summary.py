"""The analysis summary: one row per landscape, read from the analysis files of every landscape.

Files are matched to landscapes by the (seed, n, pair) in their metadata, so the table does not
depend on paths. Written by losslandscape.jobs.summary_job as summary.parquet and summary.csv.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..io import read_frame, read_metadata, read_parquet
from ..network.names import start_name
from ..specs import GridSpec
from .analysis import KINDS, nearest_minimum
from .surface import PAIR_COORDINATES

#: Summary columns before the per-optimizer ones (see summary_frame).
SUMMARY_BASE_COLUMNS = [
    "seed",
    "n",
    "pair",
    "cost_min",
    "cost_max",
    "minima",
    "maxima",
    "saddles",
    "degenerate",
    "lowest_minimum_cost",
    "lowest_minimum_w_a",
    "lowest_minimum_w_b",
    "plateau_share",
]


def kind_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Number of critical points of every kind (all of KINDS, zeros included)."""
    return {kind: int((frame["kind"] == kind).sum()) for kind in KINDS}


def _combo(meta: dict[str, Any]) -> tuple[int, int, str]:
    """(seed, n, pair) of a file from its metadata."""
    return int(meta["seed"]), int(meta["n"]), str(meta["pair"])


def _one_per_combo(paths: Sequence[str], what: str) -> dict[tuple[int, int, str], str]:
    """Map (seed, n, pair) -> path, refusing two files of the same kind for one landscape."""
    out: dict[tuple[int, int, str], str] = {}
    for path in paths:
        key = _combo(read_metadata(path))
        if key in out:
            raise ValueError(f"two {what} files for {key}: {out[key]} and {path}")
        out[key] = path
    return out


def _end_of_trajectory(path: str) -> tuple[float, float, float]:
    """The last stored state (w_a, w_b, cost); cost NaN where the trajectory diverged."""
    table = read_parquet(path, ["w_a", "w_b", "cost"])
    last = table.num_rows - 1
    w_a, w_b, cost = (float(table.column(c)[last].as_py()) for c in ("w_a", "w_b", "cost"))
    if not (math.isfinite(w_a) and math.isfinite(w_b) and math.isfinite(cost)):
        cost = math.nan
    return w_a, w_b, cost


def summary_frame(
    grids: Sequence[str],
    critical: Sequence[str],
    plateaus: Sequence[str],
    trajectories: Sequence[str] = (),
    basin_maps: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per landscape (seed, n, pair) of the given critical-point files, and metadata.

    Columns: SUMMARY_BASE_COLUMNS, then per basin map optimizer `basin_{optimizer}_minimum`
    (share of its starts that end at a minimum) and `basin_{optimizer}_diverged`, then per
    (optimizer, start) of the trajectories `end_{optimizer}_{start}_w_a`, `_w_b`, `_cost`
    (the last stored state; cost NaN if it diverged) and `_minimum` (row of the landscape's
    critical_points.parquet within one landscape-grid step of that end, -1 if none). A
    landscape without such a file has NaN (null for _minimum) there. Files are matched to
    landscapes by their metadata; columns follow the order of the given paths.
    """
    grid_of = _one_per_combo(grids, "grid")
    plateau_of = _one_per_combo(plateaus, "plateaus")
    crit_of = _one_per_combo(critical, "critical_points")
    missing = [
        (key, what)
        for key in crit_of
        for what, table in (("grid", grid_of), ("plateaus", plateau_of))
        if key not in table
    ]
    if missing:
        raise ValueError(f"no file for these landscapes: {missing}")
    keys = sorted(crit_of)
    rows: dict[tuple[int, int, str], dict[str, Any]] = {}
    points: dict[tuple[int, int, str], pd.DataFrame] = {}
    thresholds = set()
    for key in keys:
        cost = read_parquet(grid_of[key], ["cost"]).column("cost").to_numpy()
        finite = cost[np.isfinite(cost)]
        frame = read_frame(crit_of[key]).reset_index(drop=True)
        points[key] = frame
        counts = kind_counts(frame)
        minima = frame[frame["kind"] == "minimum"]
        lowest = minima.iloc[0] if len(minima) else None  # rows are sorted by cost
        pmeta = read_metadata(plateau_of[key])
        thresholds.add(float(pmeta["threshold"]))
        rows[key] = {
            "seed": key[0],
            "n": key[1],
            "pair": key[2],
            "cost_min": float(finite.min()) if finite.size else math.nan,
            "cost_max": float(finite.max()) if finite.size else math.nan,
            "minima": counts["minimum"],
            "maxima": counts["maximum"],
            "saddles": counts["saddle"],
            "degenerate": counts["degenerate"],
            "lowest_minimum_cost": math.nan if lowest is None else float(lowest["cost"]),
            "lowest_minimum_w_a": math.nan if lowest is None else float(lowest["w_a"]),
            "lowest_minimum_w_b": math.nan if lowest is None else float(lowest["w_b"]),
            "plateau_share": float(pmeta["plateau_share"]),
        }
    extra: list[str] = []
    int_columns: set[str] = set()
    basin_settings: dict[str, Any] = {}
    for path in basin_maps:
        meta = read_metadata(path)
        key, opt = _combo(meta), str(meta["optimizer"])
        if key not in rows:
            continue
        names = [f"basin_{opt}_minimum", f"basin_{opt}_diverged"]
        extra += [c for c in names if c not in extra]
        table = read_parquet(path, ["minimum", "diverged"])
        rows[key][names[0]] = float(np.mean(table.column("minimum").to_numpy() >= 0))
        rows[key][names[1]] = float(np.mean(table.column("diverged").to_numpy()))
        basin_settings[opt] = {"epochs": meta["epochs"], "resolution": meta["resolution"]}
    for path in trajectories:
        meta = read_metadata(path)
        key = _combo(meta)
        if key not in rows:
            continue
        prefix = f"end_{meta['optimizer']}_{start_name(*meta['start'])}"
        names = [f"{prefix}_{s}" for s in ("w_a", "w_b", "cost", "minimum")]
        extra += [c for c in names if c not in extra]
        int_columns.add(names[3])
        w_a, w_b, cost = _end_of_trajectory(path)
        cmeta = read_metadata(crit_of[key])
        grid = GridSpec(tuple(cmeta["a"]), tuple(cmeta["b"]), int(cmeta["resolution"]))
        a_values, b_values = grid.axes()
        label = nearest_minimum(
            np.array([w_a]), np.array([w_b]), np.array([not math.isfinite(cost)]),
            points[key], PAIR_COORDINATES, a_values, b_values, None,
        )  # fmt: skip
        rows[key].update(dict(zip(names, [w_a, w_b, cost, int(label[0])], strict=True)))
    frame = pd.DataFrame([rows[key] for key in keys], columns=SUMMARY_BASE_COLUMNS + extra)
    for column in SUMMARY_BASE_COLUMNS + extra:
        if column in int_columns:
            frame[column] = frame[column].astype("Int64")
        elif column == "pair":
            frame[column] = frame[column].astype(object)
        elif column in ("seed", "n", "minima", "maxima", "saddles", "degenerate"):
            frame[column] = frame[column].astype(np.int64)
        else:
            frame[column] = frame[column].astype(np.float64)
    meta = {
        "kind": "summary",
        "plateau_threshold": sorted(thresholds)[0] if len(thresholds) == 1 else sorted(thresholds),
        "basins": basin_settings,
        "landscapes": len(keys),
    }
    return frame, meta
