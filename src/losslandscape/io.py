"""Atomic, deterministic Parquet files with the parameters that made them as metadata."""

from __future__ import annotations

import json
import os
import tempfile
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


def atomic_target(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """A temporary sibling of `path` to write into, then os.replace onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return path, Path(tmp)


def publish(tmp: Path, final: Path) -> None:
    """Give a finished temporary file ordinary permissions and move it onto its final name."""
    os.chmod(tmp, 0o644)
    os.replace(tmp, final)


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


def write_table(
    path: str | os.PathLike[str], columns: dict[str, np.ndarray], metadata: dict[str, Any]
) -> None:
    """Write columns as one Parquet file atomically, metadata as JSON under META_KEY."""
    table = pa.table({k: to_arrow(v) for k, v in columns.items()})
    table = table.replace_schema_metadata({META_KEY: canonical_json(metadata).encode()})
    final, tmp = atomic_target(path)
    try:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
        publish(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON parameters stored in a file written by write_table."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[META_KEY])


def read_columns(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """All columns of a Parquet file as numpy arrays."""
    table = pq.read_table(path)
    return {name: table.column(name).to_numpy() for name in table.column_names}
