"""Jobs of the grids and trajectories stages: a pair landscape's cost grid, a run on it."""

from __future__ import annotations

import time

import numpy as np

from ..io import write_table
from ..landscape.trajectory import run_trajectory
from ..specs import GridSpec, OptimizerSpec
from .common import PairInputs, grid_columns, log, log_written


def grid_job(inputs: PairInputs, output: str, grid: GridSpec, threads: int = 1) -> np.ndarray:
    """Compute J on every grid point of one landscape -> results/grids/{seed}/{n}/{pair}.parquet."""
    t0 = time.perf_counter()
    sl = inputs.surface(threads)
    g = sl.groups
    counts = f"{len(g.none)} constant, {len(g.only_a)} only w_a, {len(g.only_b)} only w_b"
    log.info(
        "grid %s %dx%d; samples: %s, %d both",
        inputs.landscape,
        grid.resolution,
        grid.resolution,
        counts,
        len(g.both),
    )
    cost = sl.grid(*grid.axes())
    meta = inputs.provenance(kind="grid", **grid.meta())
    write_table(output, {**grid_columns(grid), "cost": cost}, meta)
    log_written(output, t0)
    return cost


def trajectory_job(
    inputs: PairInputs,
    output: str,
    optimizer: OptimizerSpec,
    start: tuple[float, float],
    epochs: int,
) -> None:
    """Train the pair's two weights from `start` -> the trajectory's Parquet file.

    A diverging run is recorded, not raised: the file ends at that epoch and its metadata says
    `diverged_at_epoch`.
    """
    t0 = time.perf_counter()
    sl = inputs.surface()
    traj = run_trajectory(sl, optimizer.name, optimizer.constants, start, epochs)
    run = {"start": list(start), "epochs": epochs, "diverged_at_epoch": traj.diverged_at}
    meta = inputs.provenance(kind="trajectory", **optimizer.meta(), **run)
    if traj.diverged_at is not None:
        at = traj.diverged_at
        log.warning(
            "trajectory diverged at epoch %d (non-finite weight, cost or gradient); the "
            "file ends there and its metadata says diverged_at_epoch=%d",
            at,
            at,
        )
    first, second = sl.coordinates
    columns = {"epoch": traj.epoch, first: traj.a, second: traj.b, "cost": traj.cost}
    write_table(output, columns, meta)
    log_written(output, t0, f"{len(traj.epoch)} rows")
