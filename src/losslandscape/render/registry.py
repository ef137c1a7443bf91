"""Every figure kind of the workflow, by its one name.

A kind's name is the name of its rule, of its render-options section, of its report caption
(workflow/report/{name}.rst) and the stem of its output files, and `draw_{name}` in the render
module it names draws it from a `FigureJob`. Adding a kind: a renderer with its `draw_{name}`,
an entry here (with its default options in options.py), a rule in workflow/rules/figures.smk
(plane_figures.smk for the whole-network kinds), and a caption.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import paths
from .data import (
    CriticalPoints,
    Landscape,
    Track,
    load_critical,
    load_landscape,
    load_tracks,
    provenance_json,
)


@dataclass(frozen=True)
class FigureKind:
    """One kind of figure: its name, renderer module, output files and report entry."""

    name: str
    module: str  # render submodule that defines draw_{name}
    path: str  # output path template without its extension
    extensions: tuple[str, ...]  # one output file per extension
    category: str  # report category
    label: str  # the report's "figure" label
    sections: tuple[str, ...] = ()  # render-options sections it reads besides its own and styles
    # an HTML page that loads the shared plotly.js; the report gets a self-contained copy
    shared_plotly: bool = False

    def outputs(self) -> dict[str, str]:
        """Output path template per extension (the rule's named outputs)."""
        return {ext: f"{self.path}.{ext}" for ext in self.extensions}

    def reported(self) -> str:
        """The extension shown in the report: the still (PNG) or page, never the GIF."""
        return next(ext for ext in reversed(self.extensions) if ext != "gif")

    def report_copy(self) -> str:
        """Path template of a page's self-contained copy for the report (rule {name}_report)."""
        if not self.shared_plotly:
            raise ValueError(f"{self.name} is not a page that shares plotly.js")
        return paths.report_copy(self.path)

    def option_sections(self) -> tuple[str, ...]:
        """Every render-options section the kind depends on, its own first."""
        return (self.name, *self.sections, "styles")

    def report_labels(self) -> dict[str, str]:
        """The report's labels: the kind and each wildcard of its path (n shown as N)."""
        labels = {"figure": self.label}
        for name in paths.wildcards_of(self.path):
            labels["N" if name == "n" else name] = f"{{{name}}}"
        return labels


def _kind(name: str, module: str, exts: Sequence[str], category: str, **kw: Any) -> FigureKind:
    """A registry entry (short form): its files go to paths.figure_path(name, folder, by)."""
    path = paths.figure_path(name, kw.pop("folder"), kw.pop("by", None))
    return FigureKind(name, module, path, tuple(exts), category, kw.pop("label", name), **kw)


#: Every figure kind, by name.
REGISTRY: dict[str, FigureKind] = {
    k.name: k
    for k in (
        # pair landscapes: name, render module, files, report category, folder, per wildcard
        _kind("surfaces", "surfaces", ["png"], "Landscapes", folder="pair"),
        _kind("rotation", "surfaces", ["gif", "png"], "Landscapes", folder="landscape"),
        _kind("contact_sheet", "surfaces", ["png"], "Gallery", folder="gallery", by="page",
              label="contact sheet"),
        _kind("contour", "contour", ["png"], "Trajectories", folder="landscape",
              by="optimizer", sections=("critical",)),
        _kind("descent3d", "animation", ["gif", "png"], "Trajectories", folder="landscape",
              by="optimizer", label="descent 3D"),
        _kind("descent2d", "animation", ["gif", "png"], "Trajectories", folder="landscape",
              by="optimizer", label="descent 2D"),
        _kind("compare3d", "animation", ["gif", "png"], "Optimizer comparison",
              folder="landscape", by="start", label="compare 3D"),
        _kind("compare2d", "animation", ["gif", "png"], "Optimizer comparison",
              folder="landscape", by="start", label="compare 2D"),
        _kind("interactive", "interactive", ["html"], "Optimizer comparison",
              folder="landscape", by="start", sections=("critical",), shared_plotly=True),
        _kind("basin_map", "contour", ["png"], "Analysis", folder="landscape",
              by="optimizer", label="basin map", sections=("critical",)),
        # whole network: per (seed, n) of training, plane figures and line plots in folders
        _kind("plane_contour", "planes", ["png"], "Whole-network planes", folder="planes",
              by="plane", label="plane contour", sections=("critical",)),
        _kind("plane_surfaces", "planes", ["png"], "Whole-network planes", folder="planes",
              by="plane", label="plane surfaces"),
        _kind("plane_descent3d", "planes", ["gif", "png"], "Whole-network planes",
              folder="planes", by="plane", label="plane descent 3D"),
        _kind("plane_descent2d", "planes", ["gif", "png"], "Whole-network planes",
              folder="planes", by="plane", label="plane descent 2D"),
        _kind("plane_interactive", "planes", ["html"], "Whole-network planes",
              folder="planes", by="plane", label="plane interactive", shared_plotly=True),
        _kind("plane_distance", "planes", ["png"], "Whole-network planes", folder="planes",
              by="plane", label="plane distance"),
        _kind("training_curves", "curves", ["png"], "Whole-network training",
              folder="network", label="training curves"),
        _kind("line_plot", "curves", ["png"], "Whole-network lines", folder="lines", by="line",
              label="line plot"),
        _kind("sharpness_plot", "hessian", ["png"], "Whole-network training", folder="network",
              label="sharpness"),
        _kind("spectrum_plot", "hessian", ["png"], "Whole-network training", folder="network",
              by="run", label="Hessian spectrum"),
    )
}  # fmt: skip

_MISSING = object()


@dataclass
class FigureJob:
    """One figure to draw: the kind, its input and output files, params and wildcards.

    Plain mappings, so that tests build one without Snakemake; `from_snakemake` adapts a rule's
    job. Values are looked up in params first, then in the wildcards (`value`).
    """

    kind: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, str]
    params: Mapping[str, Any] = field(default_factory=dict)
    wildcards: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_snakemake(cls, smk: Any) -> FigureJob:
        """The job of Snakemake's `snakemake` object in a figure rule's script."""
        return cls(
            kind=str(smk.rule),
            inputs=dict(smk.input.items()),
            outputs={k: str(v) for k, v in smk.output.items()},
            params=dict(smk.params.items()),
            wildcards={k: str(v) for k, v in smk.wildcards.items()},
        )

    def value(self, name: str, default: Any = _MISSING) -> Any:
        """params[name], else wildcards[name], else `default` (a KeyError without one)."""
        for section in (self.params, self.wildcards):
            if name in section:
                return section[name]
        if default is _MISSING:
            raise KeyError(f"the rule passes no params.{name} (and no wildcard {name!r})")
        return default

    def int_value(self, name: str) -> int | None:
        """A param or wildcard as int (None when the job has neither)."""
        value = self.value(name, None)
        return None if value is None else int(value)

    def files(self, name: str) -> list[str]:
        """A named input holding several files (one file given alone counts as a list of one)."""
        value = self.inputs[name]
        if isinstance(value, str | os.PathLike):
            return [str(value)]
        return [str(f) for f in value]

    def run_names(self, files: Sequence[str], prefix: str = "") -> list[str]:
        """params.runs (same order as `files`), else the file names without `prefix`."""
        names = self.value("runs", None)
        if names is None:
            names = [Path(p).stem.removeprefix(prefix) for p in files]
        names = [str(x) for x in names]
        if len(names) != len(files):
            raise ValueError(f"{len(files)} input files but params.runs names {len(names)} runs")
        return names

    def options(self) -> dict[str, Any]:
        """params.render: the render-options sections the kind uses, resolved by the workflow."""
        return json.loads(json.dumps(self.params.get("render") or {}))

    def provenance(self) -> str:
        """params.provenance, or a JSON record of the kind, its inputs and params."""
        given = self.params.get("provenance")
        if given is not None:
            return str(given)
        params = {k: v for k, v in self.params.items() if k != "provenance"}
        return provenance_json(self.kind, dict(self.inputs), params)

    def landscape(self, path: str | None = None, n: int | None = None) -> Landscape:
        """inputs.grid (or `path`) labelled with seed, n and pair from params or wildcards."""
        seed = self.value("seed", None)
        n_value = self.value("n", None) if n is None else n
        return load_landscape(
            self.inputs["grid"] if path is None else path,
            pair=self.value("pair", None),
            seed=None if seed is None else int(seed),
            n=None if n_value is None else int(n_value),
        )

    def tracks(self, style: str) -> list[Track]:
        """inputs.trajectories, named by params.names or by their paths.

        Named by the start (file stem) for style "starts", by the optimizer (folder) otherwise.
        """
        paths = [str(p) for p in self.inputs["trajectories"]]
        names = self.value("names", None)
        if names is None:
            names = [Path(p).parent.name if style == "optimizers" else Path(p).stem for p in paths]
        return load_tracks(paths, [str(x) for x in names], labels=[""] * len(paths))

    def critical(self) -> CriticalPoints | None:
        """inputs.critical when the rule has one (figures are drawn without it otherwise)."""
        path = self.inputs.get("critical")
        return None if path is None else load_critical(path)


def draw(job: FigureJob) -> str:
    """Draw `job` with its kind's renderer; returns what was written (for the log)."""
    if job.kind not in REGISTRY:
        raise ValueError(f"unknown figure kind {job.kind!r}; known: {', '.join(REGISTRY)}")
    kind = REGISTRY[job.kind]
    module = importlib.import_module(f".{kind.module}", __package__)
    message = getattr(module, f"draw_{kind.name}")(job)
    logging.getLogger("losslandscape").info("%s", message)
    return message
