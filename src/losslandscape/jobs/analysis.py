"""Jobs of the analysis stage: critical points, plateaus and basin maps of pairs and planes, and
the summary table of the pair landscapes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import __version__
from ..io import atomic_path, write_arrow, write_table
from ..landscape.analysis import basins, critical_points, plateau_mask, plateau_share
from ..landscape.summary import kind_counts, summary_frame
from ..landscape.surface import PAIR_COORDINATES, PLANE_COORDINATES, GridDerivatives, Surface
from ..specs import GridSpec, LandscapeSpec, NetworkSpec, OptimizerSpec
from .common import grid_columns, log, make_plane, make_slice, provenance
from .readers import GRADIENT_COLUMNS, directions_meta, read_gradient

#: |grad J| a refined critical point must reach.
CRITICAL_TOL = 1e-10


#: Columns of plateaus.parquet.
PLATEAU_COLUMNS = [*PAIR_COORDINATES, "grad_norm", "plateau"]


def critical_points_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    grid: GridSpec,
    threads: int = 1,
) -> Any:
    """Critical points of one landscape, classified -> critical_points.parquet (sorted by cost).

    Seeded on the landscape's own grid, where J, its gradient and Hessian are computed exactly
    (not read from the grid file), then refined to |grad J| < CRITICAL_TOL.
    """
    surface = make_slice(images, labels, landscape, threads)
    return write_critical_points(surface, grid, output, images, labels, landscape.meta())


def plateaus_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    grid: GridSpec,
    threshold: float,
    threads: int = 1,
) -> float:
    """|grad J| on the landscape's grid and where it is below `threshold` -> plateaus.parquet.

    Rows in the grid file's order; returns the plateau share.
    """
    surface = make_slice(images, labels, landscape, threads)
    grad_norm = surface.grid_derivatives(*grid.axes(), hessian=False).grad_norm
    where = landscape.meta()
    return write_plateaus(
        grad_norm, PAIR_COORDINATES, grid, threshold, output, images, labels, where
    )


def write_critical_points(
    surface: Surface,
    grid: GridSpec,
    output: str,
    images: str,
    labels: str,
    where: dict[str, Any],
    derivatives: GridDerivatives | None = None,
) -> Any:
    """Critical points of a surface on `grid` -> output; `where` names the landscape or plane.

    `derivatives`: J and its gradient on the grid when already computed (else the surface's).
    """

    t0 = time.perf_counter()
    frame = critical_points(surface, *grid.axes(), tol=CRITICAL_TOL, derivatives=derivatives)
    counts = kind_counts(frame)
    meta = provenance(
        images,
        labels,
        kind="critical_points",
        **where,
        **grid.meta(),
        tol=CRITICAL_TOL,
        counts=counts,
    )
    write_table(output, {c: frame[c].to_numpy() for c in frame.columns}, meta)
    log.info(
        "critical points %s: %s; wrote %s in %.2f s",
        where,
        counts,
        output,
        time.perf_counter() - t0,
    )
    return frame


def write_plateaus(
    grad_norm: np.ndarray,
    coordinates: tuple[str, str],
    grid: GridSpec,
    threshold: float,
    output: str,
    images: str,
    labels: str,
    where: dict[str, Any],
) -> float:
    """|grad J| on `grid` (raveled, first coordinate fastest) and where it is below `threshold`
    -> output, the grid's points named by `coordinates`."""

    t0 = time.perf_counter()
    mask = plateau_mask(grad_norm, threshold)
    share = plateau_share(mask)
    meta = provenance(
        images,
        labels,
        kind="plateaus",
        **where,
        **grid.meta(),
        threshold=threshold,
        plateau_share=share,
    )
    columns = {**grid_columns(grid, coordinates), "grad_norm": grad_norm, "plateau": mask}
    write_table(output, columns, meta)
    log.info(
        "plateaus %s: |grad J| < %g on %.1f%% of the grid; wrote %s in %.2f s",
        where,
        threshold,
        100 * share,
        output,
        time.perf_counter() - t0,
    )
    return share


def basins_job(
    images: str,
    labels: str,
    critical: str,
    output: str,
    landscape: LandscapeSpec,
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
    sl = make_slice(images, labels, landscape, threads)
    a_values, b_values = starts.axes()
    points = pd.read_parquet(critical).reset_index(drop=True)
    frame = basins(
        sl,
        optimizer.name,
        optimizer.constants,
        a_values,
        b_values,
        epochs,
        points,
        threads=threads,
    )
    reached = frame["minimum"].to_numpy()
    diverged = frame["diverged"].to_numpy()
    shares = {str(k): float(np.mean(reached == k)) for k in sorted(set(reached.tolist()) - {-1})}
    meta = provenance(
        images,
        labels,
        kind="basins",
        **landscape.meta(),
        **starts.meta(),
        **optimizer.meta(),
        epochs=epochs,
        minimum_shares=shares,
        diverged_share=float(np.mean(diverged)),
        match_tol=float(max(np.max(np.diff(a_values)), np.max(np.diff(b_values)))),
    )
    write_table(output, {c: frame[c].to_numpy() for c in frame.columns}, meta)
    log.info(
        "basins %s %s, %dx%d starts x %d epochs: shares per minimum %s, diverged %d; "
        "wrote %s in %.2f s",
        landscape,
        optimizer.name,
        starts.resolution,
        starts.resolution,
        epochs,
        shares,
        int(diverged.sum()),
        output,
        time.perf_counter() - t0,
    )
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
    log.info(
        "summary of %d landscapes, %d columns: wrote %s and %s in %.2f s",
        len(frame),
        frame.shape[1],
        parquet,
        os.path.basename(csv),
        time.perf_counter() - t0,
    )
    return frame


def plane_gradient_job(
    images: str,
    labels: str,
    directions: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    grid: GridSpec,
    threads: int = 1,
) -> None:
    """J and its exact gradient in (alpha, beta) on the plane's grid -> gradient.parquet.

    One backward pass per grid point (losslandscape.plane); what the plane's critical points
    and plateau map both start from, computed once.
    """
    t0 = time.perf_counter()
    surface = make_plane(images, labels, directions, network, threads)
    d = surface.grid_derivatives(*grid.axes(), hessian=False)
    meta = provenance(
        images,
        labels,
        kind="plane_gradient",
        **network.meta(),
        plane=plane,
        **grid.meta(),
        directions=directions_meta(directions),
    )
    values = dict(zip(GRADIENT_COLUMNS, (d.cost, d.grad[:, 0], d.grad[:, 1]), strict=True))
    write_table(output, {**grid_columns(grid, PLANE_COORDINATES), **values}, meta)
    log.info(
        "plane gradient %s %s %dx%d: largest |grad J| %.4g; wrote %s in %.2f s",
        network,
        plane,
        grid.resolution,
        grid.resolution,
        float(np.max(d.grad_norm)),
        output,
        time.perf_counter() - t0,
    )


def plane_critical_points_job(
    images: str,
    labels: str,
    directions: str,
    gradient: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    grid: GridSpec,
    threads: int = 1,
) -> Any:
    """Critical points of a plane in (alpha, beta), classified -> critical_points.parquet.

    The same analysis as a landscape's: seeded on the plane's grid from the exact gradient
    (`gradient`, the plane's gradient.parquet), refined with the exact Hessian to
    |grad J| < CRITICAL_TOL.
    """
    surface = make_plane(images, labels, directions, network, threads)
    where = {**network.meta(), "plane": plane, "directions": directions_meta(directions)}
    seeds = read_gradient(gradient, grid)
    return write_critical_points(surface, grid, output, images, labels, where, derivatives=seeds)


def plane_plateaus_job(
    images: str,
    labels: str,
    directions: str,
    gradient: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    grid: GridSpec,
    threshold: float,
) -> float:
    """|grad J| in (alpha, beta) on the plane's grid (from gradient.parquet) and where it is
    below `threshold` -> plateaus.parquet."""
    grad_norm = read_gradient(gradient, grid).grad_norm
    where = {**network.meta(), "plane": plane, "directions": directions_meta(directions)}
    return write_plateaus(
        grad_norm, PLANE_COORDINATES, grid, threshold, output, images, labels, where
    )
