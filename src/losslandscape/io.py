"""Atomic, deterministic output files; Parquet with the parameters that made it as metadata.

Every result of the workflow is written through `atomic_path`: into a temporary sibling that is
moved onto the final name only when complete, so a crash never leaves a half-written file that
Snakemake (or a reader) could take for a result.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

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


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON parameters stored in a file written by write_table."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[META_KEY])


def read_rows(path: str | os.PathLike[str], column: str) -> np.ndarray:
    """A fixed-size-list column (written by to_arrow_rows) as a 2D float64 array."""
    values = pq.read_table(path, columns=[column]).column(column).combine_chunks()
    width = values.type.list_size
    return values.flatten().to_numpy().reshape(len(values), width)


def read_columns(
    path: str | os.PathLike[str], columns: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """The columns (all when None) of a Parquet file as numpy arrays."""
    table = pq.read_table(path, columns=None if columns is None else list(columns))
    return {name: table.column(name).to_numpy() for name in table.column_names}
