"""Direction kinds of a plane through all weights, each one function found by its name.

A plane `{centre}-{kind}` (with a number for numbered kinds, e.g. `random0`) takes its two
directions from `DIRECTION_KINDS[kind]`. Adding a kind: a function here and its entry (and a
line in the schema's description of planes.names); names, config checks, the workflow (its
wildcard and a job's runtime) and the directions job take it from this table, and the metadata
the function returns travels to the plane's grid file. Figure titles name the PCA's variance and
the Hessian's eigenvalues when present (render/planes.py).

The module also owns the names built on the kinds: runs, planes `{centre}-{directions}` and
lines `{from}_{to}` and `{centre}-random{k}`, and the directions' maths (filter-normalised
random directions, principal components of a path, the top Hessian eigenvectors by Lanczos on
exact Hessian-vector products).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..network.blocks import one_blas_thread, thread_pool
from ..network.model import Hidden, n_weights, unflatten
from ..network.names import NameError_

#: Stopping tolerance of the Hessian eigensolver (relative): eigenvalues well within 1e-8.
EIGSH_TOL = 1e-10

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
    d1, d2 = random_directions(int(inp.k or 0), inp.centre, inp.hidden)
    return d1, d2, {}


def _pca(inp: DirectionInputs) -> Directions:
    """The first two principal components of the centre run's snapshots."""
    d1, d2, explained = pca_directions(inp.snapshots(), inp.centre)
    if not explained[1] > 1e-12:  # the path lies on a line: the second component is arbitrary
        raise ValueError(
            f"the run's snapshots span one direction only (explained variance {list(explained)}):"
            " a pca plane needs a path that turns; take more snapshots or epochs"
        )
    return d1, d2, {"explained_variance_ratio": [float(r) for r in explained]}


def _hessian(inp: DirectionInputs) -> Directions:
    """The Hessian of J's eigenvectors at the centre for its two largest eigenvalues."""
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


# ---------------------------------------------------------------------- plane and line names
#: Where a plane or a line is anchored: the seed's initial network, or a training run's final
#: state.
INIT = "init"
#: A training run's name: a lower-case letter, then lower-case letters and digits (never `init`).
RUN_PATTERN = r"[a-z][a-z0-9]*"
#: A plane's name: `{centre}-{directions}`, directions from DIRECTION_KINDS.
PLANE_PATTERN = rf"{RUN_PATTERN}-(?:{direction_pattern()})"
#: A line's name: `{from}_{to}` (between two anchors) or `{centre}-random{k}` (a random
#: direction through the centre).
LINE_PATTERN = rf"(?:{RUN_PATTERN}_{RUN_PATTERN}|{RUN_PATTERN}-random\d+)"


def check_run_name(name: str) -> str | None:
    """Why `name` cannot name a training run (None when it can)."""
    if not re.fullmatch(RUN_PATTERN, name):
        return (
            f"run name {name!r} must be a lower-case letter followed by lower-case letters and "
            "digits, e.g. sgd, adam2"
        )
    if name == INIT:
        return f"{INIT!r} names the initial network, not a run"
    return None


@dataclass(frozen=True)
class Plane:
    """A plane `{centre}-{directions}`: centre `init` or a run; random{k}, pca or hessian."""

    centre: str
    kind: str
    k: int | None = None

    @property
    def name(self) -> str:
        """The path spelling, e.g. `init-random0`, `sgd-pca`."""
        return f"{self.centre}-{self.kind}{'' if self.k is None else self.k}"


def parse_plane(name: str) -> Plane:
    """Parse `{centre}-{directions}` (no check that the centre is a configured run)."""
    m = re.match(rf"^({RUN_PATTERN})-([a-z]+)(\d*)$", name)
    kind = DIRECTION_KINDS.get(m.group(2)) if m else None
    if m is None or kind is None or bool(m.group(3)) != kind.numbered:
        known = ", ".join(f"{k.name}{{k}}" if k.numbered else k.name
                          for k in DIRECTION_KINDS.values())  # fmt: skip
        raise NameError_(
            f"plane {name!r} is not of the form {{centre}}-{{directions}} with directions "
            f"{known}, e.g. init-random0, sgd-pca"
        )
    return Plane(m.group(1), kind.name, int(m.group(3)) if kind.numbered else None)


@dataclass(frozen=True)
class Line:
    """A line through all weights: `between` two anchors or `random` through a centre.

    between, `{start}_{end}`: theta(t) = (1 - t) theta_start + t theta_end. random,
    `{centre}-random{k}`: theta(t) = centre + t d with d the random{k} plane's d1, filter-
    normalised to the centre (Li et al.'s 1D plots). Anchors are `init` or a run's name.
    """

    kind: str  # "between" or "random"
    start: str | None = None
    end: str | None = None
    centre: str | None = None
    k: int | None = None

    @property
    def anchors(self) -> tuple[str, ...]:
        """The networks the line needs: (start, end), or (centre,)."""
        if self.kind == "between":
            return (str(self.start), str(self.end))
        return (str(self.centre),)

    @property
    def roles(self) -> tuple[str, ...]:
        """What each anchor is to the line, in the order of `anchors`: ("start", "end"), or
        ("centre",) (the workflow's input names and the line file's `{role}_run` records)."""
        return ("start", "end") if self.kind == "between" else ("centre",)

    @property
    def name(self) -> str:
        """The path spelling, e.g. `init_sgd`, `sgd-random0` (random00 is random0)."""
        if self.kind == "between":
            return f"{self.start}_{self.end}"
        return f"{self.centre}-random{self.k}"


def parse_line(name: str) -> Line:
    """Parse `{from}_{to}` or `{centre}-random{k}` (no check that anchors are configured runs)."""
    m = re.match(rf"^({RUN_PATTERN})_({RUN_PATTERN})$", name)
    if m:
        return Line("between", start=m.group(1), end=m.group(2))
    m = re.match(rf"^({RUN_PATTERN})-random(\d+)$", name)
    if m:
        return Line("random", centre=m.group(1), k=int(m.group(2)))
    raise NameError_(
        f"line {name!r} is not of the form {{from}}_{{to}} or {{centre}}-random{{k}}, e.g. "
        "init_sgd, sgd-random0"
    )


def _anchor_error(what: str, name: str, runs: list[str] | tuple[str, ...]) -> str | None:
    """Why `name` is not an anchor of the configured runs (None when it is)."""
    if name == INIT or name in runs:
        return None
    return f"{what} {name!r} is neither init nor a training run ({', '.join(runs)})"


def check_plane(name: str, runs: list[str] | tuple[str, ...]) -> str | None:
    """Why `name` is not a plane of the configured runs (None when it is)."""
    try:
        plane = parse_plane(name)
    except NameError_ as exc:
        return str(exc)
    why = _anchor_error("centre", plane.centre, runs)
    if why:
        return why
    if DIRECTION_KINDS[plane.kind].needs_run and plane.centre == INIT:
        return (
            f"{plane.kind} directions come from a training run's snapshots: the centre must be "
            "a run"
        )
    return None


def check_line(name: str, runs: list[str] | tuple[str, ...]) -> str | None:
    """Why `name` is not a line of the configured runs (None when it is).

    A between line needs two different ends, each init or a run; a random line's centre is init
    or a run.
    """
    try:
        line = parse_line(name)
    except NameError_ as exc:
        return str(exc)
    what = "end" if line.kind == "between" else "centre"
    for anchor in line.anchors:
        why = _anchor_error(what, anchor, runs)
        if why:
            return why
    if line.kind == "between" and line.start == line.end:
        return "a line needs two different ends"
    return None


# ---------------------------------------------------------------------- the directions' maths
def _orient(v: np.ndarray) -> np.ndarray:
    """v with the sign making its largest-magnitude entry positive (first on ties): a fixed sign."""
    return -v if v[int(np.argmax(np.abs(v)))] < 0 else v


@dataclass(frozen=True, eq=False)
class HessianDirections:
    """Top-two Hessian eigenvectors (unit, fixed sign), their eigenvalues and the HVP count.

    Unpacks as (d1, d2, eigenvalues), like PcaDirections.
    """

    d1: np.ndarray
    d2: np.ndarray
    eigenvalues: np.ndarray
    hvps: int

    def __iter__(self) -> Iterator[np.ndarray]:
        """d1, d2 and the eigenvalues, for `d1, d2, values = hessian_directions(...)`."""
        return iter((self.d1, self.d2, self.eigenvalues))


@one_blas_thread
def hessian_directions(
    centre: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: Hidden,
    threads: int = 1,
    tol: float = EIGSH_TOL,
) -> HessianDirections:
    """Eigenvectors of the Hessian of J at the centre for its two largest eigenvalues.

    Lanczos (scipy's eigsh, which="LA") on exact Hessian-vector products from a fixed start
    vector, so the result is reproducible; eigenvalues in descending order.
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    from ..network.curvature import Curvature

    pool = thread_pool(threads)
    try:
        op = Curvature(centre, x, y, hidden, threads, pool)
        p = op.p
        lin = LinearOperator((p, p), matvec=lambda v: op.apply(v, pool), dtype=np.float64)
        v0 = np.random.RandomState(0).randn(p)
        values, vectors = eigsh(lin, k=2, which="LA", v0=v0, tol=tol)
    finally:
        if pool is not None:
            pool.shutdown()
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    d1 = _orient(np.ascontiguousarray(vectors[:, 0]))
    d2 = _orient(np.ascontiguousarray(vectors[:, 1]))
    return HessianDirections(d1, d2, np.asarray(values, dtype=np.float64), op.count)


def random_directions(k: int, centre: np.ndarray, hidden: Hidden) -> tuple[np.ndarray, np.ndarray]:
    """Random directions number k, filter-normalised to the centre, for a random plane.

    d1, d2 = RandomState(k).randn(P) twice; each neuron's incoming row of each direction is then
    scaled to the norm of that row in the centre (a zero row there gives a zero row).
    """
    p = n_weights(hidden)
    centre = np.asarray(centre, dtype=np.float64)
    if centre.shape != (p,):
        raise ValueError(f"centre must be flat with {p} weights, got shape {centre.shape}")
    rng = np.random.RandomState(int(k))
    d1, d2 = rng.randn(p), rng.randn(p)
    cs = unflatten(centre, hidden)
    for d in (d1, d2):
        for c, dl in zip(cs, unflatten(d, hidden), strict=True):
            c_norm = np.linalg.norm(c, axis=1)
            d_norm = np.linalg.norm(dl, axis=1)
            scale = np.divide(c_norm, d_norm, out=np.zeros_like(c_norm), where=d_norm > 0)
            dl *= scale[:, None]
    return d1, d2


class PcaDirections(NamedTuple):
    """First two principal directions of a path (unit, fixed sign) and their variance shares."""

    d1: np.ndarray
    d2: np.ndarray
    explained: np.ndarray


@one_blas_thread
def pca_directions(snapshots: np.ndarray, final: np.ndarray) -> PcaDirections:
    """Principal components of the mean-centred (snapshot - final) differences of a path.

    Via the SVD of the (S, P) difference matrix; explained holds each component's share of the
    total variance (zeros when the snapshots do not vary).
    """
    snapshots = np.asarray(snapshots, dtype=np.float64)
    final = np.asarray(final, dtype=np.float64)
    if snapshots.ndim != 2 or snapshots.shape[0] < 2 or snapshots.shape[1] != final.shape[0]:
        raise ValueError(
            f"snapshots must be (S >= 2, {final.shape[0]}) for a final theta of that length, got "
            f"shape {snapshots.shape}"
        )
    diffs = snapshots - final
    diffs -= diffs.mean(axis=0)
    _, sv, vt = np.linalg.svd(diffs, full_matrices=False)
    var = sv * sv
    total = float(var.sum())
    explained = var[:2] / total if total > 0 else np.zeros(2)
    return PcaDirections(
        _orient(np.ascontiguousarray(vt[0])), _orient(np.ascontiguousarray(vt[1])), explained
    )
