"""What figures draw and its file readers: landscapes, trajectories, critical points, basin maps,
and the whole-network files (plane grids, projected paths, training records)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

import numpy as np

from ..landscape.surface import PAIR_COORDINATES, PLANE_COORDINATES
from ..network.names import NameError_, parse_pair, parse_start, parse_weight

PathLike = str | os.PathLike[str]


class Column:
    """One column of a Columns table: numpy values with the pandas-style to_numpy()."""

    def __init__(self, values: Any) -> None:
        """Wrap the values."""
        self.values = values

    def to_numpy(self, dtype: Any = None) -> np.ndarray:
        """The values as a numpy array (of `dtype` when given)."""
        return np.asarray(self.values, dtype=dtype)

    def __iter__(self) -> Any:
        """Iterate over the values."""
        return iter(self.values)


class Columns:
    """A table of equal-length columns, read without pandas (whose import costs a figure job
    about a quarter of a second); offers what the from_frame readers use of a DataFrame."""

    def __init__(self, columns: Mapping[str, Any]) -> None:
        """Keep the columns in order."""
        self.data = dict(columns)
        self.columns = list(self.data)

    def __getitem__(self, name: str) -> Column:
        """One column."""
        return Column(self.data[name])

    def __contains__(self, name: object) -> bool:
        """Whether the table has column `name`."""
        return name in self.data

    def __len__(self) -> int:
        """Number of rows."""
        return len(next(iter(self.data.values()))) if self.data else 0


def read_table(path: PathLike, columns: Sequence[str]) -> Columns:
    """`columns` of a Parquet file, as numpy arrays (pyarrow only)."""
    from ..io import read_columns

    return Columns(read_columns(path, columns))


def unique_in_order(values: np.ndarray) -> np.ndarray:
    """The distinct values in order of first appearance (what pandas.unique gives)."""
    _, first = np.unique(values, return_index=True)
    return values[np.sort(first)]


def require_columns(frame: Any, columns: Sequence[str], what: str) -> None:
    """Refuse a table (DataFrame or Columns) that lacks one of `columns`; `what` names it."""
    for column in columns:
        if column not in frame.columns:
            raise ValueError(f"{what} lacks column {column!r}")


def meshgrid_axes(
    frame: Any, col_a: str, col_b: str, what: str, expected: str
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of columns `col_a` and `col_b` of a table in numpy.meshgrid ravel order.

    Refuses a table that is not the full grid (`expected` formats the two axis lengths for the
    message) or whose rows are not in ravel order (col_a fastest).
    """
    a = unique_in_order(frame[col_a].to_numpy(dtype=np.float64))
    b = unique_in_order(frame[col_b].to_numpy(dtype=np.float64))
    if len(a) * len(b) != len(frame):
        raise ValueError(
            f"{what} has {len(frame)} rows, expected {expected.format(len(a), len(b))}"
        )
    first = frame[col_a].to_numpy(dtype=np.float64).reshape(len(b), len(a))
    if not np.array_equal(first[0], a):
        raise ValueError(f"{what} is not in numpy.meshgrid ravel order (w_a fastest)")
    return a, b


def weight_label(name: str) -> str:
    """The display label of a weight name, e.g. ``w2-5-250`` -> ``w2[5,250]`` (else the name)."""
    try:
        return parse_weight(name).label
    except NameError_:
        return name


def pair_labels(pair: str) -> tuple[str, str]:
    """The display labels of a pair name such as ``w2-5-250_w2-5-251``."""
    try:
        wa, wb = parse_pair(pair)
    except NameError_ as exc:
        raise ValueError(str(exc)) from None
    return wa.label, wb.label


def start_label(name: str) -> str:
    """The display label of a start name, e.g. ``a-9_b15`` -> ``start (-9, 15)`` (else the name)."""
    try:
        a, b = parse_start(name)
    except NameError_:
        return name
    return f"start ({format(a, 'g')}, {format(b, 'g')})"


@dataclass(frozen=True)
class Landscape:
    """A cost grid: ``z[i, j]`` is the cost at ``(a[j], b[i])`` (rows indexed by b)."""

    a: np.ndarray
    b: np.ndarray
    z: np.ndarray
    label_a: str = "$w_a$"
    label_b: str = "$w_b$"
    seed: int | None = None
    n: int | None = None

    def __post_init__(self) -> None:
        """Check the shapes."""
        if self.z.shape != (len(self.b), len(self.a)):
            raise ValueError(
                f"cost grid shape {self.z.shape} does not match len(b), len(a) = "
                f"{len(self.b)}, {len(self.a)}"
            )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame | Columns,
        pair: str | None = None,
        seed: int | None = None,
        n: int | None = None,
    ) -> Landscape:
        """Build from a grid table (columns w_a, w_b, cost in meshgrid ravel order)."""
        require_columns(frame, ("w_a", "w_b", "cost"), "grid table")
        expected = "len(unique w_a) * len(unique w_b) = {} * {}"
        a, b = meshgrid_axes(frame, "w_a", "w_b", "grid table", expected)
        z = frame["cost"].to_numpy(dtype=np.float64).reshape(len(b), len(a))
        labels = pair_labels(pair) if pair else ("$w_a$", "$w_b$")
        return cls(np.asarray(a), np.asarray(b), z, labels[0], labels[1], seed, n)

    @property
    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the meshgrid (A, B) matching ``z``."""
        return np.meshgrid(self.a, self.b)

    @property
    def zrange(self) -> tuple[float, float]:
        """Return the finite minimum and maximum cost of the grid."""
        finite = self.z[np.isfinite(self.z)]
        if finite.size == 0:
            return 0.0, 1.0
        lo, hi = float(finite.min()), float(finite.max())
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        return lo, hi


@dataclass(frozen=True)
class Track:
    """One trajectory: row k holds the state after ``epoch[k]`` updates and its cost."""

    epoch: np.ndarray
    w_a: np.ndarray
    w_b: np.ndarray
    cost: np.ndarray
    name: str = ""
    label: str = ""  # empty: derived from name (start or optimizer label)

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame | Columns, name: str = "", label: str | None = None
    ) -> Track:
        """Build from a trajectory table (columns epoch, w_a, w_b, cost)."""
        require_columns(frame, ("epoch", "w_a", "w_b", "cost"), "trajectory table")
        if len(frame) == 0:
            raise ValueError("trajectory table is empty")
        epoch = frame["epoch"].to_numpy(dtype=np.int64)
        if np.any(np.diff(epoch) <= 0):
            raise ValueError("trajectory epochs are not strictly increasing")
        return cls(
            epoch=epoch,
            w_a=frame["w_a"].to_numpy(dtype=np.float64),
            w_b=frame["w_b"].to_numpy(dtype=np.float64),
            cost=frame["cost"].to_numpy(dtype=np.float64),
            name=name,
            label="" if label is None else label,
        )

    @property
    def last_epoch(self) -> int:
        """Return the epoch of the last stored row."""
        return int(self.epoch[-1])

    def upto(self, epoch: int) -> int:
        """Return how many rows have ``epoch <= epoch`` (at least 1)."""
        return max(1, int(np.searchsorted(self.epoch, epoch, side="right")))


def last_epoch(tracks: Sequence[Track]) -> int:
    """Return the largest last epoch among ``tracks``."""
    return max(t.last_epoch for t in tracks)


#: Kinds of critical points, in the order figures list them (losslandscape.analysis.KINDS).
CRITICAL_KINDS = ("minimum", "maximum", "saddle", "degenerate")


@dataclass(frozen=True)
class CriticalPoints:
    """Stationary points of a landscape: row k of critical_points.parquet is point k."""

    w_a: np.ndarray
    w_b: np.ndarray
    cost: np.ndarray
    kind: tuple[str, ...]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame | Columns) -> CriticalPoints:
        """Build from a critical-points table, rows in order.

        Columns: the two coordinates (w_a, w_b on a pair, alpha, beta on a plane; held as
        w_a and w_b here), cost and kind.
        """
        plane = PLANE_COORDINATES[0] in frame.columns
        first, second = PLANE_COORDINATES if plane else PAIR_COORDINATES
        require_columns(frame, (first, second, "cost", "kind"), "critical-points table")
        return cls(
            w_a=frame[first].to_numpy(dtype=np.float64),
            w_b=frame[second].to_numpy(dtype=np.float64),
            cost=frame["cost"].to_numpy(dtype=np.float64),
            kind=tuple(str(k) for k in frame["kind"]),
        )

    @classmethod
    def coerce(cls, value: CriticalPoints | pd.DataFrame | Columns | None) -> CriticalPoints | None:
        """Accept CriticalPoints, a critical-points table, or None."""
        if value is None or isinstance(value, CriticalPoints):
            return value
        return cls.from_frame(value)

    def __len__(self) -> int:
        """Number of points."""
        return len(self.kind)

    def indices(self, kind: str) -> np.ndarray:
        """Row numbers of the points of `kind` (unknown kinds count as degenerate)."""
        known = [k if k in CRITICAL_KINDS else "degenerate" for k in self.kind]
        return np.array([i for i, k in enumerate(known) if k == kind], dtype=np.intp)


@dataclass(frozen=True)
class BasinMap:
    """Where one optimizer took every start of a grid: ``minimum[i, j]`` for (a[j], b[i]).

    ``minimum`` holds the row of the critical-points table of the minimum reached, -1 for
    none; ``diverged`` marks starts whose run stopped on a non-finite value.
    """

    a: np.ndarray
    b: np.ndarray
    minimum: np.ndarray
    diverged: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame | Columns) -> BasinMap:
        """Build from a basins table (start_a, start_b, minimum, diverged; w_a fastest)."""
        require_columns(frame, ("start_a", "start_b", "minimum", "diverged"), "basins table")
        a, b = meshgrid_axes(frame, "start_a", "start_b", "basins table", "{} * {} starts")
        shape = (len(b), len(a))
        return cls(
            a=np.asarray(a),
            b=np.asarray(b),
            minimum=frame["minimum"].to_numpy(dtype=np.int64).reshape(shape),
            diverged=frame["diverged"].to_numpy(dtype=bool).reshape(shape),
        )


# ---------------------------------------------------------------------- reading result files
def load_landscape(
    path: PathLike, pair: str | None = None, seed: int | None = None, n: int | None = None
) -> Landscape:
    """Read a grid Parquet file into a Landscape."""
    frame = read_table(path, ["w_a", "w_b", "cost"])
    return Landscape.from_frame(frame, pair=pair, seed=seed, n=n)


def load_critical(path: PathLike) -> CriticalPoints:
    """Read a critical_points.parquet file of a pair or a plane (row k = point k)."""
    from ..io import read_column_names

    names = read_column_names(path)
    first, second = PLANE_COORDINATES if PLANE_COORDINATES[0] in names else PAIR_COORDINATES
    return CriticalPoints.from_frame(read_table(path, [first, second, "cost", "kind"]))


def load_basins(path: PathLike) -> BasinMap:
    """Read a basins_{optimizer}.parquet file."""
    columns = ["start_a", "start_b", "minimum", "diverged"]
    return BasinMap.from_frame(read_table(path, columns))


def load_tracks(
    paths: Sequence[PathLike], names: Sequence[str], labels: Sequence[str] | None = None
) -> list[Track]:
    """Read trajectory Parquet files; names are start names or optimizer names."""
    if len(paths) != len(names):
        raise ValueError(f"{len(paths)} trajectory files but {len(names)} names")
    if labels is not None and len(labels) != len(paths):
        raise ValueError(f"{len(paths)} trajectory files but {len(labels)} labels")
    tracks = []
    for i, (path, name) in enumerate(zip(paths, names, strict=True)):
        frame = read_table(path, ["epoch", "w_a", "w_b", "cost"])
        label = labels[i] if labels is not None else start_label(name)
        tracks.append(Track.from_frame(frame, name=name, label=label))
    return tracks


def _plain(value: Any) -> Any:
    """Convert Snakemake Namedlists and other sequences/mappings to plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    try:
        return [_plain(v) for v in value]
    except TypeError:
        return str(value)


def provenance_json(figure: str, inputs: Any, params: Mapping[str, Any]) -> str:
    """Return a compact, key-sorted JSON string describing how a figure was made."""
    from .. import __version__

    record = {
        "figure": figure,
        "inputs": _plain(inputs),
        "params": _plain(params),
        "losslandscape": __version__,
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------- whole-network files
#: Axis labels of a plane's coordinates.
ALPHA_LABEL = "α (d1)"


BETA_LABEL = "β (d2)"


#: Columns every plane path file must have (plane_distance also needs plane_cost, distance).
PATH_COLUMNS = ("epoch", "alpha", "beta", "cost")


def columns_of(path: PathLike) -> list[str]:
    """The column names of a Parquet file."""
    from ..io import read_column_names

    return read_column_names(path)


def check_columns(have: Sequence[str], columns: Sequence[str], what: str, why: str = "") -> None:
    """Refuse a table with columns `have` that lacks one of `columns`: the error names every
    missing column, the table (`what`), its columns and `why` they are needed."""
    missing = [c for c in columns if c not in have]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise ValueError(
            f"{what} lacks column(s) {names} (it has: {', '.join(map(str, have))})"
            + (f"; {why}" if why else "")
        )


def read_checked(path: PathLike, columns: Sequence[str], what: str, why: str = "") -> Columns:
    """`columns` of a Parquet file; a missing column is named in the error, with `why`."""
    check_columns(columns_of(path), columns, f"{what} {path}", why)
    return read_table(path, list(columns))


def increasing_epochs(frame: Any, what: str) -> np.ndarray:
    """Column epoch of a non-empty table whose epochs strictly increase (`what` names it)."""
    if len(frame) == 0:
        raise ValueError(f"{what} is empty")
    epoch = frame["epoch"].to_numpy(dtype=np.int64)
    if np.any(np.diff(epoch) <= 0):
        raise ValueError(f"{what}: epochs are not strictly increasing")
    return epoch


def metadata_of(path: PathLike | None) -> dict[str, Any]:
    """The losslandscape metadata of a result file ({} when there is none)."""
    from ..io import read_metadata

    if path is None:
        return {}
    try:
        return dict(read_metadata(path))
    except (KeyError, TypeError, ValueError):
        return {}


def plane_landscape(
    frame: pd.DataFrame | Columns,
    value: str = "cost",
    seed: int | None = None,
    n: int | None = None,
    what: str = "plane grid table",
) -> Landscape:
    """A plane grid table (alpha, beta, `value`) as a Landscape over (alpha, beta), z = value."""
    check_columns(list(frame.columns), ("alpha", "beta", value), what)
    table = Columns(
        {"w_a": frame["alpha"].to_numpy(), "w_b": frame["beta"].to_numpy(),
         "cost": frame[value].to_numpy()}
    )  # fmt: skip
    land = Landscape.from_frame(table, seed=seed, n=n)
    return replace(land, label_a=ALPHA_LABEL, label_b=BETA_LABEL)


def load_plane(
    path: PathLike, value: str = "cost", seed: int | None = None, n: int | None = None
) -> Landscape:
    """A plane's grid.parquet as a Landscape over (alpha, beta); z is column `value`."""
    frame = read_checked(path, ("alpha", "beta", value), "plane grid")
    return plane_landscape(frame, value, seed, n, f"plane grid {path}")


@dataclass(frozen=True)
class PlanePath:
    """One run's snapshots projected on a plane (row k: the snapshot after epoch[k] updates).

    cost is the true J of the snapshot, plane_cost J at its projection (alpha, beta) and
    distance its Euclidean distance from the plane (None when the file lacks them).
    """

    run: str
    epoch: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    cost: np.ndarray
    plane_cost: np.ndarray | None = None
    distance: np.ndarray | None = None

    def track(self, values: np.ndarray | None = None) -> Track:
        """The path as a Track over (alpha, beta), z = the true J (or `values`)."""
        z = self.cost if values is None else np.asarray(values, dtype=np.float64)
        return Track(self.epoch, self.alpha, self.beta, z, name=self.run)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame | Columns,
        run: str,
        require: Sequence[str] = (),
        why: str = "",
        what: str = "plane path table",
    ) -> PlanePath:
        """Build from a path table (epoch, alpha, beta, cost; plane_cost and distance when
        there); columns in `require` must be there (the error names `why`)."""
        check_columns(list(frame.columns), [*PATH_COLUMNS, *require], what, why)
        epoch = increasing_epochs(frame, what)

        def column(name: str) -> np.ndarray | None:
            return frame[name].to_numpy(dtype=np.float64) if name in frame.columns else None

        return cls(
            run=run,
            epoch=epoch,
            alpha=frame["alpha"].to_numpy(dtype=np.float64),
            beta=frame["beta"].to_numpy(dtype=np.float64),
            cost=frame["cost"].to_numpy(dtype=np.float64),
            plane_cost=column("plane_cost"),
            distance=column("distance"),
        )


def load_path(path: PathLike, run: str, require: Sequence[str] = (), why: str = "") -> PlanePath:
    """A plane's path_{run}.parquet; columns in `require` must be there (error names `why`)."""
    have = columns_of(path)
    optional = [c for c in ("plane_cost", "distance") if c in have and c not in require]
    frame = read_checked(path, [*PATH_COLUMNS, *require, *optional], "plane path file", why)
    return PlanePath.from_frame(frame, run, require, why, f"plane path file {path}")


@dataclass(frozen=True)
class TrainingRecord:
    """One training run's cost and accuracy per epoch (row 0 the initial network)."""

    run: str
    epoch: np.ndarray
    cost: np.ndarray
    accuracy: np.ndarray
    diverged_at: int | None = None

    def accuracy_at(self, epochs: np.ndarray, source: str = "") -> np.ndarray:
        """The accuracy at each of `epochs`; every one must be an epoch of the run."""
        epochs = np.asarray(epochs, dtype=np.int64)
        idx = np.clip(np.searchsorted(self.epoch, epochs), 0, len(self.epoch) - 1)
        missing = epochs[self.epoch[idx] != epochs]
        if missing.size:
            raise ValueError(
                f"training file{f' {source}' if source else ''} of run {self.run} has no row for "
                f"epoch(s) {missing[:5].tolist()} of its path (it holds epochs "
                f"{int(self.epoch[0])}..{int(self.epoch[-1])})"
            )
        return self.accuracy[idx]

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame | Columns,
        run: str,
        meta: Mapping[str, Any] | None = None,
        what: str = "training table",
    ) -> TrainingRecord:
        """Build from a training or held-out table (epoch, cost, accuracy); `meta`, the file's
        metadata, gives the epoch a diverged run stopped at (diverged_at_epoch)."""
        check_columns(list(frame.columns), ("epoch", "cost", "accuracy"), what)
        epoch = increasing_epochs(frame, what)
        diverged = (meta or {}).get("diverged_at_epoch")
        return cls(
            run=run,
            epoch=epoch,
            cost=frame["cost"].to_numpy(dtype=np.float64),
            accuracy=frame["accuracy"].to_numpy(dtype=np.float64),
            diverged_at=None if diverged is None else int(diverged),
        )


def load_training(path: PathLike, run: str) -> TrainingRecord:
    """A run's results/training/{seed}/{n}/{run}.parquet (epoch, cost, accuracy)."""
    frame = read_checked(path, ("epoch", "cost", "accuracy"), "training file")
    return TrainingRecord.from_frame(frame, run, metadata_of(path), f"training file {path}")


def load_direction_vectors(path: PathLike) -> tuple[np.ndarray, np.ndarray] | None:
    """d1 and d2 of a plane's directions.parquet (None when the file lacks them)."""
    if not {"d1", "d2"} <= set(columns_of(path)):
        return None
    table = read_table(path, ["d1", "d2"])
    return table["d1"].to_numpy(np.float64), table["d2"].to_numpy(np.float64)
