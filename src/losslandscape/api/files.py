"""Reading the workflow's results: any Parquet file, with its metadata."""

from __future__ import annotations

import os
from typing import Any

from ..io import read_frame, read_metadata


def read(path: str | os.PathLike[str]) -> Any:
    """A result file of the workflow as a pandas DataFrame, its metadata in `DataFrame.attrs`.

    The metadata is the parameters the file was computed with (seed, N, pair or plane, grid,
    optimizer and constants, MNIST checksums, package version, ...). A damaged file raises
    DamagedFileError naming it and how to make it again.

    Example:

        >>> grid = read("results/grids/135/100/w2-5-250_w2-5-251.parquet")
        >>> grid.attrs["resolution"], grid["cost"].min()
    """
    frame = read_frame(path)
    frame.attrs.update(read_metadata(path))
    return frame
