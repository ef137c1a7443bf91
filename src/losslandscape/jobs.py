"""What the rule scripts run: load inputs, compute, write one output with its provenance.

Kept here (not in scripts/) so that the scripts stay thin and tests can call the jobs directly.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import __version__
from .engine import PairSlice
from .io import write_table
from .mnist import CANONICAL_MD5, load_split
from .names import parse_pair
from .network import init_weights
from .trajectory import run_trajectory

log = logging.getLogger("losslandscape")


def setup_logging(path: str | None) -> None:
    """Send the package's log records to the job's log file (stderr when None)."""
    handler: logging.Handler = logging.FileHandler(path) if path else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def provenance(images: str, labels: str, **params: Any) -> dict[str, Any]:
    """Parameters plus the MNIST files' canonical MD5s and the package version."""
    files = [os.path.basename(images), os.path.basename(labels)]
    return {
        **params,
        "mnist_md5": {name: CANONICAL_MD5[name] for name in files},
        "losslandscape_version": __version__,
    }


def make_slice(
    images: str, labels: str, seed: int, n: int, hidden: list[int], pair: str, threads: int = 1
) -> PairSlice:
    """The frozen network and data of one (seed, n, pair)."""
    x, y = load_split(images, labels, n)
    wa, wb = parse_pair(pair)
    return PairSlice(init_weights(seed, hidden), x, y, wa, wb, threads=threads)


def grid_axes(
    a: Sequence[float], b: Sequence[float], resolution: int
) -> tuple[np.ndarray, np.ndarray]:
    """The grid's axes: numpy.linspace over each range (shared by every job on that grid)."""
    return np.linspace(a[0], a[1], resolution), np.linspace(b[0], b[1], resolution)


def grid_job(
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
) -> None:
    """Compute one grid and write results/grids/{seed}/{n}/{pair}.parquet."""
    t0 = time.perf_counter()
    sl = make_slice(images, labels, seed, n, hidden, pair, threads)
    a_values, b_values = grid_axes(a, b, resolution)
    g = sl.groups
    log.info(
        "grid seed=%s n=%s pair=%s %dx%d; samples: %d constant, %d only w_a, %d only w_b, %d both",
        seed, n, pair, resolution, resolution,
        len(g.none), len(g.only_a), len(g.only_b), len(g.both),
    )  # fmt: skip
    cost = sl.grid(a_values, b_values)
    m1, m2 = np.meshgrid(a_values, b_values)
    meta = provenance(
        images, labels, kind="grid", seed=seed, n=n, pair=pair, hidden=hidden, split=split,
        a=a, b=b, resolution=resolution,
    )  # fmt: skip
    write_table(output, {"w_a": m1.ravel(), "w_b": m2.ravel(), "cost": cost}, meta)
    log.info("wrote %s in %.2f s", output, time.perf_counter() - t0)


def trajectory_job(
    images: str,
    labels: str,
    output: str,
    seed: int,
    n: int,
    pair: str,
    hidden: list[int],
    split: str,
    optimizer: str,
    constants: dict[str, float],
    start: list[float],
    epochs: int,
) -> None:
    """Train the two weights from one start and write its trajectory Parquet file."""
    t0 = time.perf_counter()
    sl = make_slice(images, labels, seed, n, hidden, pair)
    traj = run_trajectory(sl, optimizer, constants, (start[0], start[1]), epochs)
    meta = provenance(
        images, labels, kind="trajectory", seed=seed, n=n, pair=pair, hidden=hidden,
        split=split, optimizer=optimizer, constants=constants, start=start, epochs=epochs,
        diverged_at_epoch=traj.diverged_at,
    )  # fmt: skip
    if traj.diverged_at is not None:
        log.warning(
            "trajectory diverged at epoch %d (non-finite weight, cost or gradient); "
            "the file ends there and its metadata says diverged_at_epoch=%d",
            traj.diverged_at, traj.diverged_at,
        )  # fmt: skip
    columns = {"epoch": traj.epoch, "w_a": traj.w_a, "w_b": traj.w_b, "cost": traj.cost}
    write_table(output, columns, meta)
    log.info("wrote %s (%d rows) in %.2f s", output, len(traj.epoch), time.perf_counter() - t0)
