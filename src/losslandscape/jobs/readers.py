"""The workflow's result files as a job reads them: anchors, run records, directions, gradients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..io import read_metadata, read_parquet, read_rows
from ..landscape.surface import GridDerivatives
from ..network.model import flatten, init_weights
from ..specs import GridSpec, NetworkSpec


def anchor(network: NetworkSpec, snapshots: str | None) -> np.ndarray:
    """All weights of `init` (snapshots None) or of a run's final state (its last snapshot)."""

    if snapshots is None:
        return flatten(init_weights(network.seed, list(network.hidden), network.init))
    return read_rows(snapshots, "theta")[-1]


def run_meta(snapshots: str | None) -> dict[str, Any] | None:
    """What a run's snapshots file says about the run (None for `init`)."""

    if snapshots is None:
        return None
    meta = read_metadata(snapshots)
    keys = ("run", "optimizer", "constants", "batch", "epochs", "snapshots", "diverged_at_epoch")
    return {key: meta[key] for key in keys}


#: Metadata keys every whole-network file has; the rest of a directions file's is the plane's own.
NETWORK_META = {
    "kind",
    "seed",
    "n",
    "hidden",
    "split",
    "init",
    "plane",
    "mnist_md5",
    "losslandscape_version",
}


def directions_meta(path: str) -> dict[str, Any]:
    """What a directions file says about its plane besides the network (kind, centre run,
    explained variance or eigenvalues): recorded in every file computed on the plane."""

    return {k: v for k, v in read_metadata(path).items() if k not in NETWORK_META}


def read_directions(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """centre, d1, d2 of a directions file."""

    table = read_parquet(path, ["centre", "d1", "d2"])
    return tuple(table.column(c).to_numpy() for c in ("centre", "d1", "d2"))  # type: ignore[return-value]


#: Columns of a plane's gradient.parquet after its coordinates.
GRADIENT_COLUMNS = ["cost", "grad_alpha", "grad_beta"]


def read_gradient(path: str, grid: GridSpec) -> GridDerivatives:
    """A plane's gradient.parquet as GridDerivatives (no Hessian), checked to be on `grid`.

    A file of another grid (its metadata's a, b, resolution) is refused rather than misread.
    """

    meta = read_metadata(path)
    made_on = {key: meta.get(key) for key in ("a", "b", "resolution")}
    if made_on != grid.meta():
        raise ValueError(f"{path} was computed on the grid {made_on}, not {grid.meta()}")
    table = read_parquet(path, GRADIENT_COLUMNS)
    cost, ga, gb = (table.column(c).to_numpy() for c in GRADIENT_COLUMNS)
    shape = (grid.resolution, grid.resolution)
    return GridDerivatives(cost, np.stack([ga, gb], axis=-1), None, shape)


def plane_grid_spec(
    a: Sequence[float] | str, b: Sequence[float] | str, resolution: int, paths: Sequence[str]
) -> GridSpec:
    """A plane's grid: its ranges as configured, an `auto` one from every run's projected path
    (the smallest interval holding [-1, 1] and every snapshot, widened by a fifth each side)."""
    from ..landscape.plane import auto_range  # here: pair jobs never load the plane code

    def axis(given: Sequence[float] | str, column: str) -> tuple[float, float]:
        if given != "auto":
            low, high = given
            return float(low), float(high)
        return auto_range([read_parquet(p, [column]).column(column).to_numpy() for p in paths])

    return GridSpec(axis(a, "alpha"), axis(b, "beta"), int(resolution))
