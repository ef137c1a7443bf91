"""Helpers for the thin Snakemake scripts: loading inputs, provenance, logging."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .data import BasinMap, CriticalPoints, Landscape, Track, start_label

PathLike = str | os.PathLike[str]


def load_landscape(
    path: PathLike, pair: str | None = None, seed: int | None = None, n: int | None = None
) -> Landscape:
    """Read a grid Parquet file into a Landscape."""
    frame = pd.read_parquet(path, columns=["w_a", "w_b", "cost"])
    return Landscape.from_frame(frame, pair=pair, seed=seed, n=n)


def load_critical(path: PathLike) -> CriticalPoints:
    """Read a critical_points.parquet file (row k = point k)."""
    return CriticalPoints.from_frame(pd.read_parquet(path, columns=["w_a", "w_b", "cost", "kind"]))


def load_basins(path: PathLike) -> BasinMap:
    """Read a basins_{optimizer}.parquet file."""
    columns = ["start_a", "start_b", "minimum", "diverged"]
    return BasinMap.from_frame(pd.read_parquet(path, columns=columns))


def smk_critical(smk: Any) -> CriticalPoints | None:
    """Load ``input.critical`` when the rule has one (figures drawn without it otherwise)."""
    path = getattr(smk.input, "critical", None)
    return None if path is None else load_critical(path)


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
    from .. import __version__

    record = {
        "figure": figure,
        "inputs": _plain(inputs),
        "params": _plain(params),
        "losslandscape": __version__,
    }
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


_MISSING = object()


def smk_value(smk: Any, name: str, default: Any = _MISSING) -> Any:
    """Return ``snakemake.params.<name>``, else ``snakemake.wildcards.<name>``, else default."""
    for section in (smk.params, smk.wildcards):
        try:
            return getattr(section, name)
        except AttributeError:
            continue
    if default is _MISSING:
        raise KeyError(f"the rule passes no params.{name} (and no wildcard {name!r})")
    return default


def names_from_paths(paths: Sequence[PathLike], style: str) -> list[str]:
    """Derive trajectory names from DESIGN.md paths: the start (file stem) or optimizer (dir)."""
    if style == "optimizers":
        return [Path(p).parent.name for p in paths]
    return [Path(p).stem for p in paths]


def smk_tracks(smk: Any, style: str) -> list[Track]:
    """Load ``input.trajectories`` with ``params.names`` (default: derived from the paths)."""
    paths = list(smk.input.trajectories)
    names = smk_value(smk, "names", None)
    names = names_from_paths(paths, style) if names is None else [str(x) for x in names]
    return load_tracks(paths, names, labels=[""] * len(paths))


def smk_landscape(smk: Any, path: PathLike | None = None, n: int | None = None) -> Landscape:
    """Load ``input.grid`` (or ``path``) labelled with params/wildcards seed, n, pair."""
    seed = smk_value(smk, "seed", None)
    n_value = smk_value(smk, "n", None) if n is None else n
    return load_landscape(
        smk.input.grid if path is None else path,
        pair=smk_value(smk, "pair", None),
        seed=None if seed is None else int(seed),
        n=None if n_value is None else int(n_value),
    )


def smk_provenance(smk: Any, figure: str) -> str:
    """Return ``params.provenance`` or a JSON record of the figure kind, inputs and params."""
    given = smk_value(smk, "provenance", None)
    if given is not None:
        return str(given)
    params = {k: v for k, v in smk.params.items() if k != "provenance"}
    return provenance_json(figure, dict(smk.input.items()), params)


def smk_options(smk: Any) -> dict[str, Any]:
    """Return ``params.render`` (partial render options) or an empty dict."""
    options = smk_value(smk, "render", None)
    return {} if options is None else _plain(options)
