"""Atomic, deterministic output files; Parquet with the parameters that made it as metadata.

Every result of the workflow is written through `atomic_path`: into a temporary sibling that is
moved onto the final name only when complete, so a crash never leaves a half-written file that
Snakemake (or a reader) could take for a result. Every Parquet result is read through `read_parquet`
(or the readers built on it), so a file damaged afterwards (a killed copy, a full disk elsewhere)
stops its reader with a DamagedFileError that names the file and how to make it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import paths

if TYPE_CHECKING:
    import pandas as pd

#: Parquet key-value metadata key holding the JSON parameters.
META_KEY = b"losslandscape"


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no spaces: same parameters, same bytes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `path`; move it onto `path` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    umask = os.umask(0o022)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


#: numpy dtypes whose bytes Arrow takes as they are (no conversion, no pandas import).
_ARROW_TYPES = {np.dtype(np.float64): pa.float64(), np.dtype(np.int64): pa.int64()}


def to_arrow(values: np.ndarray) -> pa.Array:
    """A numpy column as an Arrow array; float64/int64 without pa.array, which imports pandas."""
    arr = np.asarray(values)
    kind = _ARROW_TYPES.get(arr.dtype)
    if kind is None or arr.ndim != 1:
        return pa.array(arr)
    arr = np.ascontiguousarray(arr)
    return pa.Array.from_buffers(kind, len(arr), [None, pa.py_buffer(arr)])


def to_arrow_rows(matrix: np.ndarray) -> pa.Array:
    """The rows of a 2D float64 array as one fixed-size-list column (e.g. whole weight vectors)."""
    arr = np.ascontiguousarray(matrix, dtype=np.float64)
    return pa.FixedSizeListArray.from_arrays(to_arrow(arr.ravel()), arr.shape[1])


def write_arrow(
    path: str | os.PathLike[str],
    table: pa.Table,
    metadata: dict[str, Any],
    plain: Sequence[str] = (),
) -> None:
    """Write an Arrow table as one Parquet file atomically, `metadata` as JSON under META_KEY.

    Key-value metadata already on the table (e.g. pandas' column types) is kept. Columns named
    in `plain` skip dictionary encoding: for large columns of distinct floats (whole weight
    vectors) it only costs time, four times the read time of plain pages.
    """
    merged = {**(table.schema.metadata or {}), META_KEY: canonical_json(metadata).encode()}
    table = table.replace_schema_metadata(merged)
    dictionary: bool | list[str] = True
    if plain:
        dictionary = [name for name in table.column_names if name not in plain]
    with atomic_path(path) as tmp:
        pq.write_table(
            table, tmp, compression="zstd", write_statistics=True, use_dictionary=dictionary
        )


def write_table(
    path: str | os.PathLike[str],
    columns: dict[str, Any],
    metadata: dict[str, Any],
    plain: Sequence[str] = (),
) -> None:
    """Write columns (numpy arrays or Arrow arrays) as one Parquet file atomically.

    The metadata goes in as JSON under META_KEY; `plain` as for write_arrow.
    """
    arrays = {k: v if isinstance(v, pa.Array) else to_arrow(v) for k, v in columns.items()}
    write_arrow(path, pa.table(arrays), metadata, plain)


#: Each result file's path template and the rule of workflow/rules/*.smk that makes it.
MADE_BY = (
    (paths.GRID, "grid"),
    (paths.TRAJECTORY, "trajectory"),
    (paths.CRITICAL_POINTS, "critical_points"),
    (paths.PLATEAUS, "plateaus"),
    (paths.BASINS, "basins"),
    (paths.SUMMARY, "analysis_summary"),
    (paths.GALLERY_SUMMARY, "gallery_summary"),
    (paths.TRAINING, "train"),
    (paths.SNAPSHOTS, "train"),
    (paths.HELDOUT, "heldout"),
    (paths.SHARPNESS, "sharpness"),
    (paths.SPECTRUM, "spectrum"),
    (paths.DIRECTIONS, "directions"),
    (paths.PLANE_GRID, "plane_grid"),
    (paths.PLANE_PATH, "plane_path"),
    (paths.PLANE_GRADIENT, "plane_gradient"),
    (paths.PLANE_CRITICAL_POINTS, "plane_critical_points"),
    (paths.PLANE_PLATEAUS, "plane_plateaus"),
    (paths.LINE, "line"),
)
#: What a wildcard of a path template may match: numbers are digits, run names letters (so that
#: `sgd_snapshots` is not taken for a run), the rest one path component.
_WILDCARD_RE = {"seed": r"\d+", "n": r"\d+", "run": r"[a-z][a-z0-9]*"}


def _template_re(template: str) -> re.Pattern[str]:
    """A regular expression matching the end of a path made from `template`."""
    parts = re.split(r"{(\w+)}", template)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?:{_WILDCARD_RE.get(part, '[^/]+')})"
        for i, part in enumerate(parts)
    )
    return re.compile(rf"(?:^|/){pattern}$")


_MADE_BY_RE = [(_template_re(template), rule) for template, rule in MADE_BY]


def rule_of(path: str | os.PathLike[str]) -> str | None:
    """The workflow rule that makes `path` (by its path template), None if no rule does."""
    text = Path(path).as_posix()
    return next((rule for regex, rule in _MADE_BY_RE if regex.search(text)), None)


class DamagedFileError(ValueError):
    """A result file that cannot be read (truncated or damaged); says how to make it again."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        """Keep the path, and build a message naming it, the rule that makes it and the fix."""
        self.path, self.reason = Path(path), reason
        self.rule = rule_of(path)
        remake = (
            f"or rerun with `snakemake --forcerun {self.rule}` (plus your usual options; "
            f"that remakes every file of rule {self.rule})"
            if self.rule
            else "or rerun with `snakemake --forcerun RULE` for the rule that makes it"
        )
        super().__init__(
            f"{path}: cannot be read ({reason}); the file is damaged (e.g. truncated by a killed "
            f"copy or a full disk). To make it again, delete it and rerun the workflow, {remake}."
        )


def read_parquet(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    use_pandas_metadata: bool = False,
) -> pa.Table:
    """The columns (all when None) of a Parquet file; a damaged file raises DamagedFileError."""
    try:
        return pq.read_table(
            path,
            columns=None if columns is None else list(columns),
            use_pandas_metadata=use_pandas_metadata,
        )
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError) as exc:
        raise DamagedFileError(path, f"{type(exc).__name__}: {exc}") from exc


def read_schema(path: str | os.PathLike[str]) -> pa.Schema:
    """The schema (column names, key-value metadata) of a Parquet file; DamagedFileError if
    its footer cannot be read."""
    try:
        return pq.read_schema(path)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError) as exc:
        raise DamagedFileError(path, f"{type(exc).__name__}: {exc}") from exc


def read_column_names(path: str | os.PathLike[str]) -> list[str]:
    """The column names of a Parquet file."""
    return [str(name) for name in read_schema(path).names]


def read_frame(path: str | os.PathLike[str], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A Parquet file as a pandas DataFrame, as pandas.read_parquet reads it (pandas metadata
    kept); DamagedFileError for a damaged file."""
    return read_parquet(path, columns, use_pandas_metadata=True).to_pandas()


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON parameters stored in a file written by write_table."""
    meta = read_schema(path).metadata or {}
    try:
        return json.loads(meta[META_KEY])
    except (KeyError, ValueError) as exc:
        raise DamagedFileError(path, f"no readable {META_KEY.decode()} metadata") from exc


def read_rows(path: str | os.PathLike[str], column: str) -> np.ndarray:
    """A fixed-size-list column (written by to_arrow_rows) as a 2D float64 array."""
    values = read_parquet(path, [column]).column(column).combine_chunks()
    width = values.type.list_size
    return values.flatten().to_numpy().reshape(len(values), width)


def read_columns(
    path: str | os.PathLike[str], columns: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """The columns (all when None) of a Parquet file as numpy arrays."""
    table = read_parquet(path, columns)
    return {name: table.column(name).to_numpy() for name in table.column_names}
