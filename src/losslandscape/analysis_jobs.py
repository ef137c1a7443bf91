"""What the analysis rules run (issue 7): critical points, plateaus, basin maps, the summary.

As losslandscape.jobs: each job loads its inputs, computes with losslandscape.analysis and writes
one Parquet file atomically with the parameters that made it as metadata, so the scripts in
scripts/ stay thin and tests can call the jobs directly.

Files (results/analysis/{seed}/{n}/{pair}/...):
- critical_points.parquet: CRITICAL_COLUMNS, one row per stationary point of J inside the grid's
  range, sorted by cost; a basin map's `minimum` is a row number of this file.
- plateaus.parquet: PLATEAU_COLUMNS on the landscape's grid, in the grid file's row order; the
  plateau share and the threshold are in its metadata. Kept apart from the critical points so
  that a new threshold reruns only the plateau maps and the summary.
- basins_{optimizer}.parquet: analysis.BASIN_COLUMNS, one row per start.
- summary.parquet / summary.csv: one row per (seed, n, pair), see summary_frame.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .analysis import (
    CRITICAL_COLUMNS,
    KINDS,
    _nearest_minimum,
    basins,
    critical_points,
    grid_cost_grad_hess,
    plateau_mask,
    plateau_share,
)
from .io import META_KEY, atomic_target, canonical_json, publish, read_metadata, write_table
from .jobs import grid_axes, log, make_slice, provenance
from .names import start_name

#: Columns of plateaus.parquet.
PLATEAU_COLUMNS = ["w_a", "w_b", "grad_norm", "plateau"]
#: |grad J| a refined critical point must reach (the issue's 1e-10).
CRITICAL_TOL = 1e-10
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


# ---------------------------------------------------------------------- critical points
def critical_points_job(
    images: str,
    labels: str,
    output: str,
    seed: int,
    n: int,
    pair: str,
    hidden: list[int],
    a: list[float],
    b: list[float],
    resolution: int,
    split: str,
    threads: int = 1,
) -> pd.DataFrame:
    """Critical points of one landscape -> critical_points.parquet.

    Seeded on the landscape's own grid (the same axes as grid_job: the rule passes the grid's
    parameters), where J, its gradient and Hessian are computed exactly, not read from the
    grid file; refined to |grad J| < CRITICAL_TOL.
    """
    t0 = time.perf_counter()
    sl = make_slice(images, labels, seed, n, hidden, pair, threads)
    a_values, b_values = grid_axes(a, b, resolution)
    frame = critical_points(sl, a_values, b_values, tol=CRITICAL_TOL)
    counts = kind_counts(frame)
    meta = provenance(
        images, labels, kind="critical_points", seed=seed, n=n, pair=pair, hidden=hidden,
        split=split, a=a, b=b, resolution=resolution, tol=CRITICAL_TOL, counts=counts,
    )  # fmt: skip
    write_table(output, {c: frame[c].to_numpy() for c in CRITICAL_COLUMNS}, meta)
    log.info(
        "critical points seed=%s n=%s pair=%s: %s; wrote %s in %.2f s",
        seed, n, pair, counts, output, time.perf_counter() - t0,
    )  # fmt: skip
    return frame


# ---------------------------------------------------------------------- plateaus
def plateaus_job(
    images: str,
    labels: str,
    output: str,
    seed: int,
    n: int,
    pair: str,
    hidden: list[int],
    a: list[float],
    b: list[float],
    resolution: int,
    split: str,
    threshold: float,
    threads: int = 1,
) -> float:
    """|grad J| on the landscape's grid and where it is below `threshold` -> plateaus.parquet.

    Rows in the grid file's order (numpy.meshgrid ravel, w_a fastest); returns the share.
    """
    t0 = time.perf_counter()
    sl = make_slice(images, labels, seed, n, hidden, pair, threads)
    a_values, b_values = grid_axes(a, b, resolution)
    d = grid_cost_grad_hess(sl, a_values, b_values)
    grad_norm = d.grad_norm
    mask = plateau_mask(grad_norm, threshold)
    share = plateau_share(mask)
    m1, m2 = np.meshgrid(a_values, b_values)
    meta = provenance(
        images, labels, kind="plateaus", seed=seed, n=n, pair=pair, hidden=hidden, split=split,
        a=a, b=b, resolution=resolution, threshold=threshold, plateau_share=share,
    )  # fmt: skip
    columns = {"w_a": m1.ravel(), "w_b": m2.ravel(), "grad_norm": grad_norm, "plateau": mask}
    write_table(output, columns, meta)
    log.info(
        "plateaus seed=%s n=%s pair=%s: |grad J| < %g on %.1f%% of the grid; wrote %s in %.2f s",
        seed, n, pair, threshold, 100 * share, output, time.perf_counter() - t0,
    )  # fmt: skip
    return share


# ---------------------------------------------------------------------- basins
def basins_job(
    images: str,
    labels: str,
    critical: str,
    output: str,
    seed: int,
    n: int,
    pair: str,
    hidden: list[int],
    a: list[float],
    b: list[float],
    resolution: int,
    split: str,
    optimizer: str,
    constants: dict[str, float],
    epochs: int,
    threads: int = 1,
) -> pd.DataFrame:
    """Run `optimizer` from every start of a resolution^2 grid -> basins_{optimizer}.parquet.

    `minimum` is the row number in `critical` (critical_points.parquet) of the minimum a start
    ends within one basin-grid step of, -1 if none (or diverged).
    """
    t0 = time.perf_counter()
    sl = make_slice(images, labels, seed, n, hidden, pair, threads)
    a_values, b_values = grid_axes(a, b, resolution)
    points = pd.read_parquet(critical).reset_index(drop=True)
    frame = basins(sl, optimizer, constants, a_values, b_values, epochs, points, threads=threads)
    reached = frame["minimum"].to_numpy()
    diverged = frame["diverged"].to_numpy()
    shares = {str(k): float(np.mean(reached == k)) for k in sorted(set(reached.tolist()) - {-1})}
    meta = provenance(
        images, labels, kind="basins", seed=seed, n=n, pair=pair, hidden=hidden, split=split,
        a=a, b=b, resolution=resolution, optimizer=optimizer, constants=constants,
        epochs=epochs, minimum_shares=shares, diverged_share=float(np.mean(diverged)),
        match_tol=float(max(np.max(np.diff(a_values)), np.max(np.diff(b_values)))),
    )  # fmt: skip
    write_table(output, {c: frame[c].to_numpy() for c in frame.columns}, meta)
    log.info(
        "basins seed=%s n=%s pair=%s %s, %dx%d starts x %d epochs: shares per minimum %s, "
        "diverged %d; wrote %s in %.2f s",
        seed, n, pair, optimizer, resolution, resolution, epochs, shares, int(diverged.sum()),
        output, time.perf_counter() - t0,
    )  # fmt: skip
    return frame


# ---------------------------------------------------------------------- summary
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
    table = pq.read_table(path, columns=["w_a", "w_b", "cost"])
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
        cost = pq.read_table(grid_of[key], columns=["cost"]).column("cost").to_numpy()
        finite = cost[np.isfinite(cost)]
        frame = pd.read_parquet(crit_of[key]).reset_index(drop=True)
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
        table = pq.read_table(path, columns=["minimum", "diverged"])
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
        a_values, b_values = grid_axes(cmeta["a"], cmeta["b"], int(cmeta["resolution"]))
        label = _nearest_minimum(
            np.array([w_a]), np.array([w_b]), np.array([not math.isfinite(cost)]),
            points[key], a_values, b_values, None,
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


def write_summary(frame: pd.DataFrame, meta: dict[str, Any], parquet: str, csv: str) -> None:
    """The summary as Parquet (metadata as every result) and as CSV (empty cell = null)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # pandas' own entry (column dtypes: a null `_minimum` reads back as Int64) plus ours
    merged = {**(table.schema.metadata or {}), META_KEY: canonical_json(meta).encode()}
    table = table.replace_schema_metadata(merged)
    final, tmp = atomic_target(parquet)
    try:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
        publish(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    final, tmp = atomic_target(csv)
    try:
        frame.to_csv(tmp, index=False, lineterminator="\n")
        publish(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def summary_job(
    grids: Sequence[str],
    critical: Sequence[str],
    plateaus: Sequence[str],
    trajectories: Sequence[str],
    basin_maps: Sequence[str],
    parquet: str,
    csv: str,
) -> pd.DataFrame:
    """Write results/analysis/summary.parquet and summary.csv."""
    t0 = time.perf_counter()
    frame, meta = summary_frame(grids, critical, plateaus, trajectories, basin_maps)
    from . import __version__

    meta["losslandscape_version"] = __version__
    write_summary(frame, meta, parquet, csv)
    log.info(
        "summary of %d landscapes, %d columns: wrote %s and %s in %.2f s",
        len(frame), frame.shape[1], parquet, os.path.basename(csv), time.perf_counter() - t0,
    )  # fmt: skip
    return frame
