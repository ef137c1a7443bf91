"""Pair landscapes, as the source documents draw them: J over two weights of the untrained
network, an optimizer's trajectory on it, and the analysis (critical points, plateaus, basins).

Defaults are config.yaml's (seed 135, the article's pair w2-5-250_w2-5-251, the grid
[-15, 17] x [-15, 18] at 40 points, the documents' constants), except the split: the test
split, which MNIST_MIRROR or the cache provides offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import paths
from ..jobs.analysis import basins_job, critical_points_job, plateaus_job
from ..jobs.common import PairInputs
from ..jobs.grids import grid_job, trajectory_job
from ..network.names import check_pair, start_name
from ..optimizers import constants as optimizer_constants
from ..specs import GridSpec, LandscapeSpec, OptimizerSpec
from .files import read
from .session import bar, mnist_files, result_path

#: The network's hidden layers (config.yaml's network.hidden).
HIDDEN = (50, 500)
PAIR = "w2-5-250_w2-5-251"
A_RANGE, B_RANGE, RESOLUTION = (-15.0, 17.0), (-15.0, 18.0), 40
EPOCHS = 10_000
START = (-9.0, 15.0)


def _inputs(pair: str, n: int, seed: int, split: str) -> PairInputs:
    """The job inputs of a landscape: MNIST files from the cache and the landscape spec."""
    why = check_pair(pair, HIDDEN)
    if why:
        raise ValueError(f"pair = {pair!r}: {why}")
    images, labels = mnist_files(split)
    return PairInputs(images, labels, LandscapeSpec(int(seed), int(n), pair, HIDDEN, split))


def _grid(a: Sequence[float], b: Sequence[float], resolution: int) -> GridSpec:
    """The grid spec, checked."""
    a2, b2 = (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))
    for key, r in (("a", a2), ("b", b2)):
        if not r[0] < r[1]:
            raise ValueError(f"{key} = {list(r)}: needs low < high")
    if int(resolution) < 2:
        raise ValueError(f"resolution = {resolution}: needs at least 2 points per axis")
    return GridSpec(a2, b2, int(resolution))


def grid(
    pair: str = PAIR,
    n: int = 100,
    seed: int = 135,
    a: Sequence[float] = A_RANGE,
    b: Sequence[float] = B_RANGE,
    resolution: int = RESOLUTION,
    split: str = "test",
    threads: int = 1,
    progress: bool = True,
) -> Any:
    """J on a resolution x resolution grid over two weights: columns w_a, w_b, cost (w_a
    fastest), as results/grids/{seed}/{n}/{pair}.parquet.

    Example:

        >>> g = grid(n=100)
        >>> g["cost"].min(), g.attrs["pair"]
    """
    out = result_path(paths.GRID, seed=seed, n=n, pair=pair)
    with bar(f"grid {pair} N={n}", progress):
        grid_job(_inputs(pair, n, seed, split), out, _grid(a, b, resolution), threads)
    return read(out)


def trajectory(
    pair: str = PAIR,
    optimizer: str = "sgd",
    start: Sequence[float] = START,
    epochs: int = EPOCHS,
    constants: dict[str, float] | None = None,
    n: int = 100,
    seed: int = 135,
    split: str = "test",
) -> Any:
    """An optimizer's run on the pair's two weights from `start`: columns epoch, w_a, w_b, cost
    (row 0 the start), as results/trajectories/{seed}/{n}/{pair}/{optimizer}/{start}.parquet.
    Constants default to the source documents' (lr 10, ...), omitted ones too.

    Example:

        >>> t = trajectory(optimizer="adam", start=(-9, 15), epochs=2000)
        >>> t["cost"].iloc[-1]
    """
    spec = OptimizerSpec(optimizer, optimizer_constants(optimizer, dict(constants or {})))
    where = (float(start[0]), float(start[1]))
    out = result_path(
        paths.TRAJECTORY, seed=seed, n=n, pair=pair, optimizer=optimizer, start=start_name(*where)
    )
    trajectory_job(_inputs(pair, n, seed, split), out, spec, where, int(epochs))
    return read(out)


def critical_points(
    pair: str = PAIR,
    n: int = 100,
    seed: int = 135,
    a: Sequence[float] = A_RANGE,
    b: Sequence[float] = B_RANGE,
    resolution: int = RESOLUTION,
    split: str = "test",
    threads: int = 1,
) -> Any:
    """Every critical point of J on the grid's range, refined to |grad J| < 1e-10 and
    classified (minimum, maximum, saddle, degenerate) by the exact Hessian, as
    critical_points.parquet.

    Example:

        >>> cp = critical_points(n=100)
        >>> cp[cp["kind"] == "minimum"]
    """
    out = result_path(paths.CRITICAL_POINTS, seed=seed, n=n, pair=pair)
    critical_points_job(_inputs(pair, n, seed, split), out, _grid(a, b, resolution), threads)
    return read(out)


def plateaus(
    pair: str = PAIR,
    n: int = 100,
    seed: int = 135,
    a: Sequence[float] = A_RANGE,
    b: Sequence[float] = B_RANGE,
    resolution: int = RESOLUTION,
    threshold: float = 1e-5,
    split: str = "test",
    threads: int = 1,
) -> Any:
    """|grad J| on the grid and where it is below `threshold` (columns w_a, w_b, grad_norm,
    plateau), as plateaus.parquet; attrs["plateau_share"] is the share of the grid.

    Example:

        >>> p = plateaus(n=100)
        >>> p.attrs["plateau_share"]
    """
    out = result_path(paths.PLATEAUS, seed=seed, n=n, pair=pair)
    spec = _grid(a, b, resolution)
    plateaus_job(_inputs(pair, n, seed, split), out, spec, float(threshold), threads)
    return read(out)


def basins(
    pair: str = PAIR,
    optimizer: str = "sgd",
    resolution: int = 100,
    epochs: int = 1000,
    constants: dict[str, float] | None = None,
    n: int = 100,
    seed: int = 135,
    a: Sequence[float] = A_RANGE,
    b: Sequence[float] = B_RANGE,
    grid_resolution: int = RESOLUTION,
    split: str = "test",
    threads: int = 1,
    progress: bool = True,
) -> Any:
    """The optimizer from every start of a resolution x resolution grid over the same range:
    where each ends and which minimum it reached (the row of `critical_points`; -1 none), as
    basins_{optimizer}.parquet.

    Example:

        >>> m = basins(optimizer="sgd", resolution=50, epochs=500)
        >>> m["minimum"].value_counts()
    """
    inputs = _inputs(pair, n, seed, split)
    critical = result_path(paths.CRITICAL_POINTS, seed=seed, n=n, pair=pair)
    critical_points_job(inputs, critical, _grid(a, b, grid_resolution), threads)
    spec = OptimizerSpec(optimizer, optimizer_constants(optimizer, dict(constants or {})))
    out = result_path(paths.BASINS, seed=seed, n=n, pair=pair, optimizer=optimizer)
    with bar(f"basins {optimizer} {resolution}x{resolution}", progress):
        basins_job(inputs, critical, out, _grid(a, b, resolution), spec, int(epochs), threads)
    return read(out)
