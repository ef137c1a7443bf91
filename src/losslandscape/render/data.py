"""What figures draw (landscape, trajectories, critical points, basin map) and its file readers."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

import numpy as np

from ..surface import PAIR_COORDINATES, PLANE_COORDINATES

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


_WEIGHT = re.compile(r"^w(\d+)-(\d+)-(\d+)$")
_START = re.compile(r"^a(-?[0-9.eE+-]+|nan|inf|-inf)_b(-?[0-9.eE+-]+|nan|inf|-inf)$")


def weight_label(name: str) -> str:
    """Return the display label of a weight name, e.g. ``w2-5-250`` -> ``w2[5,250]``."""
    match = _WEIGHT.match(name)
    if match is None:
        return name
    layer, row, col = match.groups()
    return f"w{layer}[{row},{col}]"


def pair_labels(pair: str) -> tuple[str, str]:
    """Return the display labels of a pair name such as ``w2-5-250_w2-5-251``."""
    parts = pair.split("_")
    if len(parts) != 2:
        raise ValueError(f"pair {pair!r} is not of the form '<weight>_<weight>'")
    return weight_label(parts[0]), weight_label(parts[1])


def start_label(name: str) -> str:
    """Return the display label of a start name, e.g. ``a-9_b15`` -> ``start (-9, 15)``."""
    match = _START.match(name)
    if match is None:
        return name
    return f"start ({match.group(1)}, {match.group(2)})"


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
        for column in ("w_a", "w_b", "cost"):
            if column not in frame.columns:
                raise ValueError(f"grid table lacks column {column!r}")
        a = unique_in_order(frame["w_a"].to_numpy(dtype=np.float64))
        b = unique_in_order(frame["w_b"].to_numpy(dtype=np.float64))
        if len(a) * len(b) != len(frame):
            raise ValueError(
                f"grid table has {len(frame)} rows, expected len(unique w_a) * len(unique w_b)"
                f" = {len(a)} * {len(b)}"
            )
        wa = frame["w_a"].to_numpy(dtype=np.float64).reshape(len(b), len(a))
        if not np.array_equal(wa[0], a):
            raise ValueError("grid table is not in numpy.meshgrid ravel order (w_a fastest)")
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
        for column in ("epoch", "w_a", "w_b", "cost"):
            if column not in frame.columns:
                raise ValueError(f"trajectory table lacks column {column!r}")
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
        for column in (first, second, "cost", "kind"):
            if column not in frame.columns:
                raise ValueError(f"critical-points table lacks column {column!r}")
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
        for column in ("start_a", "start_b", "minimum", "diverged"):
            if column not in frame.columns:
                raise ValueError(f"basins table lacks column {column!r}")
        a = unique_in_order(frame["start_a"].to_numpy(dtype=np.float64))
        b = unique_in_order(frame["start_b"].to_numpy(dtype=np.float64))
        if len(a) * len(b) != len(frame):
            raise ValueError(
                f"basins table has {len(frame)} rows, expected {len(a)} * {len(b)} starts"
            )
        sa = frame["start_a"].to_numpy(dtype=np.float64).reshape(len(b), len(a))
        if not np.array_equal(sa[0], a):
            raise ValueError("basins table is not in numpy.meshgrid ravel order (w_a fastest)")
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
