"""Planes and lines through all weights of a network, and the runs' paths on a plane.

A plane `{centre}-{directions}` (centre `init` or a run's name; directions random{k}, pca or
hessian) and a line `{from}_{to}` or `{centre}-random{k}` are named as in the workflow's
config; the runs they name are given as Run objects (losslandscape.train).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import paths
from ..jobs.common import PlaneInputs
from ..jobs.planes import directions_job, line_job, plane_grid_job, plane_path_job
from ..jobs.readers import plane_grid_spec
from ..landscape.directions import check_line, check_plane, parse_line, parse_plane
from ..specs import NetworkSpec
from .files import read
from .network import HIDDEN, Run, heldout_images
from .session import bar, mnist_files, result_path


@dataclass(frozen=True)
class Plane:
    """A plane: its directions (weight, centre, d1, d2), its grid (alpha, beta, cost,
    accuracy) and every given run's path on it (epoch, alpha, beta, cost, plane_cost,
    distance), by run name."""

    name: str
    directions: Any
    grid: Any
    paths: dict[str, Any] = field(default_factory=dict)


def _network(runs: Sequence[Run], seed: int, n: int, init: str, split: str) -> NetworkSpec:
    """The network every run shares (or the one the arguments name when there is none)."""
    if not runs:
        return NetworkSpec(int(seed), int(n), HIDDEN, split, init)
    network = runs[0].network
    for run in runs[1:]:
        if run.network != network:
            raise ValueError(f"runs {runs[0].name} and {run.name} train different networks")
    return network


def _by_name(
    kind: str, name: str, runs: Sequence[Run], check: Callable[[str, list[str]], str | None]
) -> dict[str, Run]:
    """The runs by name, checked for duplicates, after `check` accepts the plane or line name
    against them (the workflow's own check)."""
    named = {run.name: run for run in runs}
    if len(named) != len(runs):
        raise ValueError(f"two runs share a name: {[run.name for run in runs]}")
    why = check(name, list(named))
    if why:
        raise ValueError(f"{kind} = {name!r}: {why}")
    return named


def plane(
    name: str,
    runs: Sequence[Run] = (),
    a: Any = "auto",
    b: Any = "auto",
    resolution: int = 41,
    seed: int = 135,
    n: int = 1000,
    init: str = "scaled",
    split: str = "test",
    threads: int = 1,
    progress: bool = True,
) -> Plane:
    """A plane through all weights: its directions, J and accuracy on its (alpha, beta) grid and
    every run's path projected onto it (the jobs directions, plane_grid, plane_path). `a`, `b`:
    [low, high] or auto (holding [-1, 1] and every run's projected path, with a margin).

    Example:

        >>> sgd = train("sgd")
        >>> p = plane("sgd-pca", [sgd])
        >>> p.paths["sgd"].distance.max()
    """
    named = _by_name("plane", name, runs, check_plane)
    spec = parse_plane(name)
    network = _network(runs, seed, n, init, split)
    images, labels = mnist_files(network.split)
    where = {"seed": network.seed, "n": network.n, "plane": spec.name}
    directions = result_path(paths.DIRECTIONS, **where)
    centre = None if spec.centre == "init" else named[spec.centre].snapshots_path
    directions_job(images, labels, directions, network, spec.name, centre)
    inputs = PlaneInputs(images, labels, directions, network, spec.name)
    walks = {run.name: result_path(paths.PLANE_PATH, run=run.name, **where) for run in runs}
    for run in runs:
        plane_path_job(inputs, run.snapshots_path, run.record_path, walks[run.name], run.name)
    walked = {name: read(path) for name, path in walks.items()}
    grid = plane_grid_spec(a, b, int(resolution), list(walks.values()))
    out = result_path(paths.PLANE_GRID, **where)
    with bar(f"plane {spec.name} {resolution}x{resolution}", progress):
        plane_grid_job(inputs, out, grid, threads)
    return Plane(spec.name, read(directions), read(out), walked)


def line(
    name: str,
    runs: Sequence[Run] = (),
    t: Sequence[float] = (-0.5, 1.5),
    points: int = 101,
    heldout: Any = "auto",
    seed: int = 135,
    n: int = 1000,
    init: str = "scaled",
    split: str = "test",
    threads: int = 1,
) -> Any:
    """J and accuracy (and on held-out images) along a line (the `line` job): columns t, cost,
    accuracy, heldout_cost, heldout_accuracy.

    Example:

        >>> line("init_sgd", [sgd])["cost"].min()
    """
    named = _by_name("line", name, runs, check_line)
    spec = parse_line(name)
    network = _network(runs, seed, n, init, split)
    images, labels = mnist_files(network.split)
    anchors = [None if a == "init" else named[str(a)].snapshots_path for a in spec.anchors]
    held = heldout_images(network.split, network.n, heldout)
    out = result_path(paths.LINE, seed=network.seed, n=network.n, line=spec.name)
    span = (float(t[0]), float(t[1]))
    line_job(images, labels, out, network, spec.name, anchors, span, int(points), threads, held)
    return read(out)
