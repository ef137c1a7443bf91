"""Jobs of the grids and trajectories stages: a pair landscape's cost grid, a run on it."""

from __future__ import annotations

import time

import numpy as np

from ..io import write_table
from ..landscape.trajectory import run_trajectory
from ..specs import GridSpec, LandscapeSpec, OptimizerSpec
from .common import grid_columns, log, make_slice, provenance


def grid_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    grid: GridSpec,
    threads: int = 1,
) -> np.ndarray:
    """Compute J on every grid point of one landscape -> results/grids/{seed}/{n}/{pair}.parquet."""
    t0 = time.perf_counter()
    sl = make_slice(images, labels, landscape, threads)
    g = sl.groups
    log.info(
        "grid %s %dx%d; samples: %d constant, %d only w_a, %d only w_b, %d both",
        landscape,
        grid.resolution,
        grid.resolution,
        len(g.none),
        len(g.only_a),
        len(g.only_b),
        len(g.both),
    )
    cost = sl.grid(*grid.axes())
    meta = provenance(images, labels, kind="grid", **landscape.meta(), **grid.meta())
    write_table(output, {**grid_columns(grid), "cost": cost}, meta)
    log.info("wrote %s in %.2f s", output, time.perf_counter() - t0)
    return cost


def trajectory_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    optimizer: OptimizerSpec,
    start: tuple[float, float],
    epochs: int,
) -> None:
    """Train the pair's two weights from `start` -> the trajectory's Parquet file.

    A diverging run is recorded, not raised: the file ends at that epoch and its metadata says
    `diverged_at_epoch`.
    """

    t0 = time.perf_counter()
    sl = make_slice(images, labels, landscape)
    traj = run_trajectory(sl, optimizer.name, optimizer.constants, start, epochs)
    meta = provenance(
        images,
        labels,
        kind="trajectory",
        **landscape.meta(),
        **optimizer.meta(),
        start=list(start),
        epochs=epochs,
        diverged_at_epoch=traj.diverged_at,
    )
    if traj.diverged_at is not None:
        log.warning(
            "trajectory diverged at epoch %d (non-finite weight, cost or gradient); "
            "the file ends there and its metadata says diverged_at_epoch=%d",
            traj.diverged_at,
            traj.diverged_at,
        )
    first, second = sl.coordinates
    columns = {"epoch": traj.epoch, first: traj.a, second: traj.b, "cost": traj.cost}
    write_table(output, columns, meta)
    log.info("wrote %s (%d rows) in %.2f s", output, len(traj.epoch), time.perf_counter() - t0)
