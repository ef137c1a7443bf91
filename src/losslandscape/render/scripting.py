"""Helpers for the thin Snakemake scripts: loading inputs, provenance, logging."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .data import Landscape, Track, start_label

PathLike = str | os.PathLike[str]


def load_landscape(
    path: PathLike, pair: str | None = None, seed: int | None = None, n: int | None = None
) -> Landscape:
    """Read a grid Parquet file into a Landscape."""
    frame = pd.read_parquet(path, columns=["w_a", "w_b", "cost"])
    return Landscape.from_frame(frame, pair=pair, seed=seed, n=n)


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
        frame = pd.read_parquet(path, columns=["epoch", "w_a", "w_b", "cost"])
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
    record = {"figure": figure, "inputs": _plain(inputs), "params": _plain(params)}
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def setup_logging(log_path: PathLike | None) -> logging.Logger:
    """Send logging (and warnings) to ``log_path`` (or stderr) and return the logger."""
    handler: logging.Handler
    if log_path:
        handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    return logging.getLogger("losslandscape.render")
