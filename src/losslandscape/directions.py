"""Direction kinds of a plane through all weights, each one function found by its name.

A plane `{centre}-{kind}` (with a number for numbered kinds, e.g. `random0`) takes its two
directions from `DIRECTION_KINDS[kind]`. Adding a kind: a function here and its entry (and a
line in the schema's description of planes.names); names, config checks, the workflow (its
wildcard and a job's runtime) and the directions job take it from this table, and the metadata
the function returns travels to the plane's grid file. Figure titles name the PCA's variance and
the Hessian's eigenvalues when present (render/planes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Directions = tuple[np.ndarray, np.ndarray, dict[str, Any]]


@dataclass(frozen=True)
class DirectionInputs:
    """What a direction kind may use: the centre, the network, and lazily loaded data."""

    centre: np.ndarray
    hidden: list[int]
    k: int | None  # the kind's number (random{k}), None for unnumbered kinds
    snapshots: Callable[[], np.ndarray]  # the centre run's snapshots (S, P); kinds needing a run
    data: Callable[[], tuple[np.ndarray, np.ndarray]]  # the first N images and targets


@dataclass(frozen=True)
class DirectionKind:
    """A way to make a plane's two directions: its name, its needs and its function."""

    name: str
    numbered: bool  # written with a number, e.g. random0
    needs_run: bool  # the centre must be a training run (its snapshots are the data)
    make: Callable[[DirectionInputs], Directions]
    passes: int  # full passes over the samples it may take (a cluster job's runtime)


def _random(inp: DirectionInputs) -> Directions:
    """Gaussian directions from RandomState(k), filter-normalised to the centre."""
    from .wholenet import random_directions

    d1, d2 = random_directions(int(inp.k or 0), inp.centre, inp.hidden)
    return d1, d2, {}


def _pca(inp: DirectionInputs) -> Directions:
    """The first two principal components of the centre run's snapshots."""
    from .wholenet import pca_directions

    d1, d2, explained = pca_directions(inp.snapshots(), inp.centre)
    if not explained[1] > 1e-12:  # the path lies on a line: the second component is arbitrary
        raise ValueError(
            f"the run's snapshots span one direction only (explained variance {list(explained)}):"
            " a pca plane needs a path that turns; take more snapshots or epochs"
        )
    return d1, d2, {"explained_variance_ratio": [float(r) for r in explained]}


def _hessian(inp: DirectionInputs) -> Directions:
    """The Hessian of J's eigenvectors at the centre for its two largest eigenvalues."""
    from .wholenet import hessian_directions

    x, y = inp.data()
    found = hessian_directions(inp.centre, x, y, inp.hidden)
    meta = {"eigenvalues": [float(v) for v in found.eigenvalues], "hvps": int(found.hvps)}
    return found.d1, found.d2, meta


#: Every direction kind, by name.
DIRECTION_KINDS: dict[str, DirectionKind] = {
    kind.name: kind
    for kind in (
        # filter-normalised Gaussian directions from RandomState(k)
        DirectionKind("random", True, False, _random, passes=1),
        # the first two principal components of the centre run's snapshots
        DirectionKind("pca", False, True, _pca, passes=1),
        # the top two Hessian eigenvectors at the centre: Lanczos, about two passes per product
        DirectionKind("hessian", False, False, _hessian, passes=1000),
    )
}


def direction_pattern() -> str:
    """Regular expression of the directions part of a plane name (e.g. random\\d+|pca)."""
    return "|".join(f"{k.name}\\d+" if k.numbered else k.name for k in DIRECTION_KINDS.values())
