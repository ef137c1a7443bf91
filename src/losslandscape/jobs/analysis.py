"""Jobs of the analysis stage: critical points, plateaus and basin maps of pairs and planes, and
the summary table of the pair landscapes.

Critical points and plateaus are one job each for both kinds of landscape: `inputs` says which
(PairInputs or PlaneInputs), and a plane's jobs start from its gradient grid (gradient.parquet,
computed once by plane_gradient_job) instead of computing it again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from .. import __version__
from ..io import atomic_path, read_frame, write_arrow, write_table
from ..landscape.analysis import basins, critical_points, plateau_mask, plateau_share
from ..landscape.summary import kind_counts, summary_frame
from ..landscape.surface import PAIR_COORDINATES
from ..specs import GridSpec, OptimizerSpec
from .common import PairInputs, PlaneInputs, grid_columns, log_written
from .readers import GRADIENT_COLUMNS, read_gradient

#: |grad J| a refined critical point must reach.
CRITICAL_TOL = 1e-10
#: Columns of plateaus.parquet.
PLATEAU_COLUMNS = [*PAIR_COORDINATES, "grad_norm", "plateau"]


def critical_points_job(
    inputs: PairInputs | PlaneInputs,
    output: str,
    grid: GridSpec,
    threads: int = 1,
    gradient: str | None = None,
) -> Any:
    """Critical points of a landscape on `grid`, classified -> critical_points.parquet.

    Seeded on the grid, where J, its gradient and Hessian are computed exactly (not read from
    the grid file; a plane's J and gradient from its `gradient` file), then refined to
    |grad J| < CRITICAL_TOL. Sorted by cost.
    """
    t0 = time.perf_counter()
    surface = inputs.surface(threads)
    seeds = None if gradient is None else read_gradient(gradient, grid)
    frame = critical_points(surface, *grid.axes(), tol=CRITICAL_TOL, derivatives=seeds)
    counts = kind_counts(frame)
    found = {"tol": CRITICAL_TOL, "counts": counts}
    meta = inputs.provenance(kind="critical_points", **grid.meta(), **found)
    write_table(output, {c: frame[c].to_numpy() for c in frame.columns}, meta)
    log_written(output, t0, f"critical points {inputs.where()}: {counts}")
    return frame


def plateaus_job(
    inputs: PairInputs | PlaneInputs,
    output: str,
    grid: GridSpec,
    threshold: float,
    threads: int = 1,
    gradient: str | None = None,
) -> float:
    """|grad J| on the landscape's grid and where it is below `threshold` -> plateaus.parquet.

    Rows in the grid file's order; a plane's |grad J| comes from its `gradient` file. Returns the
    plateau share.
    """
    t0 = time.perf_counter()
    if gradient is None:
        derivatives = inputs.surface(threads).grid_derivatives(*grid.axes(), hessian=False)
    else:
        derivatives = read_gradient(gradient, grid)
    grad_norm = derivatives.grad_norm
    mask = plateau_mask(grad_norm, threshold)
    share = plateau_share(mask)
    found = {"threshold": threshold, "plateau_share": share}
    meta = inputs.provenance(kind="plateaus", **grid.meta(), **found)
    columns = {**grid_columns(grid, inputs.coordinates), "grad_norm": grad_norm, "plateau": mask}
    write_table(output, columns, meta)
    below = f"|grad J| < {threshold:g} on {100 * share:.1f}% of the grid"
    log_written(output, t0, f"plateaus {inputs.where()}: {below}")
    return share


def basins_job(
    inputs: PairInputs,
    critical: str,
    output: str,
    starts: GridSpec,
    optimizer: OptimizerSpec,
    epochs: int,
    threads: int = 1,
) -> Any:
    """Run `optimizer` from every start of the `starts` grid -> basins_{optimizer}.parquet.

    `minimum` is the row number in `critical` (critical_points.parquet) of the minimum a start
    ends within one start-grid step of, -1 if none (or diverged).
    """
    t0 = time.perf_counter()
    sl = inputs.surface(threads)
    a_values, b_values = starts.axes()
    points = read_frame(critical).reset_index(drop=True)
    rule = (optimizer.name, optimizer.constants)
    frame = basins(sl, *rule, a_values, b_values, epochs, points, threads=threads)
    reached = frame["minimum"].to_numpy()
    diverged = frame["diverged"].to_numpy()
    shares = {str(k): float(np.mean(reached == k)) for k in sorted(set(reached.tolist()) - {-1})}
    found = {
        "minimum_shares": shares,
        "diverged_share": float(np.mean(diverged)),
        "match_tol": float(max(np.max(np.diff(a_values)), np.max(np.diff(b_values)))),
    }
    meta = inputs.provenance(
        kind="basins", **starts.meta(), **optimizer.meta(), epochs=epochs, **found
    )
    write_table(output, {c: frame[c].to_numpy() for c in frame.columns}, meta)
    run = f"{starts.resolution}x{starts.resolution} starts x {epochs} epochs"
    ends = f"shares per minimum {shares}, diverged {int(diverged.sum())}"
    log_written(output, t0, f"basins {inputs.landscape} {optimizer.name}, {run}: {ends}")
    return frame


def summary_job(
    grids: Sequence[str],
    critical: Sequence[str],
    plateaus: Sequence[str],
    trajectories: Sequence[str],
    basin_maps: Sequence[str],
    parquet: str,
    csv: str,
) -> Any:
    """One row per landscape -> results/analysis/summary.parquet and summary.csv."""
    t0 = time.perf_counter()
    frame, meta = summary_frame(grids, critical, plateaus, trajectories, basin_maps)
    meta["losslandscape_version"] = __version__
    # pandas' own metadata (column dtypes: a null `_minimum` reads back as Int64) is kept
    write_arrow(parquet, pa.Table.from_pandas(frame, preserve_index=False), meta)
    with atomic_path(csv) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")
    found = f"summary of {len(frame)} landscapes, {frame.shape[1]} columns"
    log_written(f"{parquet} and {os.path.basename(csv)}", t0, found)
    return frame


def plane_gradient_job(inputs: PlaneInputs, output: str, grid: GridSpec, threads: int = 1) -> None:
    """J and its exact gradient in (alpha, beta) on the plane's grid -> gradient.parquet.

    One backward pass per grid point (losslandscape.landscape.plane); what the plane's critical
    points and plateau map both start from, computed once.
    """
    t0 = time.perf_counter()
    d = inputs.surface(threads).grid_derivatives(*grid.axes(), hessian=False)
    meta = inputs.provenance(kind="plane_gradient", **grid.meta())
    values = dict(zip(GRADIENT_COLUMNS, (d.cost, d.grad[:, 0], d.grad[:, 1]), strict=True))
    write_table(output, {**grid_columns(grid, inputs.coordinates), **values}, meta)
    where = f"{inputs.network} {inputs.plane} {grid.resolution}x{grid.resolution}"
    log_written(output, t0, f"plane gradient {where}: largest |grad J| {np.max(d.grad_norm):.4g}")
