"""The Snakemake adapter: every rule's job from Snakemake's `snakemake` object.

Every `script:` rule runs `run_rule(snakemake)` (scripts/job.py); the trajectory rule runs the
command line instead (`python -m losslandscape trajectory`, losslandscape.cli). Each rule is a
small function that reads the job's wildcards, params and files into plain values and specs and
imports its stage's module only when called, so a job loads only what it runs. The job functions
themselves never see Snakemake's object, so tests call them directly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

# A job started outside Snakemake runs BLAS on one thread unless told otherwise, set before
# numpy loads (inside Snakemake, OPENBLAS_NUM_THREADS is already the job's `threads`).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from ..specs import GridSpec, LandscapeSpec, NetworkSpec, OptimizerSpec  # noqa: E402
from .common import HeldoutImages, PairInputs, PlaneInputs, job_log  # noqa: E402


# ---------------------------------------------------------------------- wildcards and params
def _landscape(smk: Any) -> LandscapeSpec:
    """The landscape of a job from its wildcards (seed, n, pair) and params (hidden, split)."""
    w, p = smk.wildcards, smk.params
    return LandscapeSpec(int(w.seed), int(w.n), str(w.pair), tuple(map(int, p.hidden)), p.split)


def _grid(smk: Any) -> GridSpec:
    """The grid of a job from its params a, b and resolution."""
    p = smk.params
    a, b = (tuple(float(x) for x in p[k]) for k in ("a", "b"))
    return GridSpec(a, b, int(p.resolution))  # type: ignore[arg-type]


def _optimizer(smk: Any, name: str | None = None) -> OptimizerSpec:
    """The optimizer of a job (its wildcard unless named) with params.constants."""
    return OptimizerSpec(name or str(smk.wildcards.optimizer), dict(smk.params.constants))


def _network(smk: Any) -> NetworkSpec:
    """The whole network of a job from its wildcards (seed, n) and params (hidden, split, init)."""
    w, p = smk.wildcards, smk.params
    return NetworkSpec(int(w.seed), int(w.n), tuple(map(int, p.hidden)), p.split, str(p.init))


def _heldout(smk: Any) -> HeldoutImages | None:
    """The job's held-out images (inputs heldout_images, heldout_labels; params.heldout)."""
    given = smk.params.heldout
    if given is None:
        return None
    files = (smk.input.heldout_images, smk.input.heldout_labels)
    return HeldoutImages(*files, str(given["split"]), int(given["first"]), int(given["n"]))


def _plane_grid(smk: Any) -> GridSpec:
    """A plane job's grid from params a, b (a range or auto) and resolution; auto ranges from
    the runs' projected paths (input paths)."""
    from .readers import plane_grid_spec

    p = smk.params
    paths = [str(f) for f in getattr(smk.input, "paths", [])]
    return plane_grid_spec(p.a, p.b, int(p.resolution), paths)


def _optional(smk: Any, name: str) -> str | None:
    """A named input when the job has it (a run's snapshots; absent for `init`)."""
    return getattr(smk.input, name, None) or None


def _mnist(smk: Any) -> tuple[str, str]:
    """The MNIST inputs of a job: images and labels."""
    return smk.input.images, smk.input.labels


def _pair(smk: Any) -> PairInputs:
    """What a job on a pair landscape reads."""
    return PairInputs(*_mnist(smk), _landscape(smk))


def _plane(smk: Any) -> PlaneInputs:
    """What a job on a plane reads."""
    plane = str(smk.wildcards.plane)
    return PlaneInputs(*_mnist(smk), smk.input.directions, _network(smk), plane)


# ---------------------------------------------------------------------- download
def mnist_download(smk: Any) -> None:
    """One canonical MNIST file.

    Mirrors are read from the config, not params, on purpose: the file is fixed by its checksum,
    so editing the mirror list must not rerun the download and all after it.
    """
    from .download import download_job

    download_job(smk.output[0], (smk.config.get("mnist") or {}).get("mirrors") or [])


# ---------------------------------------------------------------------- grids
def grid(smk: Any) -> None:
    """A pair landscape's cost grid."""
    from .grids import grid_job

    grid_job(_pair(smk), smk.output.grid, _grid(smk), smk.threads)


# ---------------------------------------------------------------------- analysis
def critical_points(smk: Any) -> None:
    """A pair landscape's critical points."""
    from .analysis import critical_points_job

    critical_points_job(_pair(smk), smk.output.critical, _grid(smk), smk.threads)


def plateaus(smk: Any) -> None:
    """A pair landscape's plateau map."""
    from .analysis import plateaus_job

    threshold = float(smk.params.threshold)
    plateaus_job(_pair(smk), smk.output.plateaus, _grid(smk), threshold, smk.threads)


def basins(smk: Any) -> None:
    """A pair landscape's basin map for one optimizer."""
    from .analysis import basins_job

    run = (_optimizer(smk), int(smk.params.epochs))
    basins_job(_pair(smk), smk.input.critical, smk.output.basins, _grid(smk), *run, smk.threads)


def analysis_summary(smk: Any) -> None:
    """The summary table of the pair landscapes."""
    from .analysis import summary_job

    i = smk.input
    files = (list(i.grids), list(i.critical), list(i.plateaus), list(i.trajectories))
    summary_job(*files, list(i.basins), smk.output.parquet, smk.output.csv)


def gallery_summary(smk: Any) -> None:
    """The summary table of the gallery sweep (no trajectories or basin maps)."""
    from .analysis import summary_job

    i = smk.input
    files = (list(i.grids), list(i.critical), list(i.plateaus))
    summary_job(*files, [], [], smk.output.parquet, smk.output.csv)


def plane_gradient(smk: Any) -> None:
    """J and its exact gradient on a plane's grid."""
    from .analysis import plane_gradient_job

    plane_gradient_job(_plane(smk), smk.output.gradient, _plane_grid(smk), smk.threads)


def plane_critical_points(smk: Any) -> None:
    """A plane's critical points, from its gradient grid."""
    from .analysis import critical_points_job

    output, gradient = smk.output.critical, smk.input.gradient
    critical_points_job(_plane(smk), output, _plane_grid(smk), smk.threads, gradient=gradient)


def plane_plateaus(smk: Any) -> None:
    """A plane's plateau map, from its gradient grid."""
    from .analysis import plateaus_job

    output, threshold = smk.output.plateaus, float(smk.params.threshold)
    plateaus_job(_plane(smk), output, _plane_grid(smk), threshold, gradient=smk.input.gradient)


# ---------------------------------------------------------------------- training
def train(smk: Any) -> None:
    """A whole-network training run."""
    from .training import train_job

    p, outputs = smk.params, (smk.output.training, smk.output.snapshots)
    optimizer = OptimizerSpec(str(p.optimizer), dict(p.constants))
    run = {"run_name": str(smk.wildcards.run), "batch": None if p.batch is None else int(p.batch)}
    train_job(
        *_mnist(smk), *outputs, _network(smk), optimizer, int(p.epochs), int(p.snapshots), **run
    )


def heldout(smk: Any) -> None:
    """A run's snapshots on the held-out images."""
    from .training import heldout_job

    held = _heldout(smk)
    assert held is not None, "the heldout rule runs only with held-out images"
    heldout_job(smk.input.snapshots, held, smk.output.heldout, _network(smk), smk.threads)


def sharpness(smk: Any) -> None:
    """The largest Hessian eigenvalues at every snapshot of a run."""
    from .training import sharpness_job

    p = smk.params
    threshold = None if p.threshold is None else float(p.threshold)
    files = (*_mnist(smk), smk.input.snapshots, smk.output.sharpness)
    sharpness_job(*files, _network(smk), int(p.eigenvalues), threshold, smk.threads)


def spectrum(smk: Any) -> None:
    """The Hessian's eigenvalue density and trace at some snapshots of a run."""
    from .training import spectrum_job

    p = smk.params
    files = (*_mnist(smk), smk.input.snapshots, smk.output.spectrum)
    settings = (list(p.at), int(p.lanczos), int(p.probes))
    spectrum_job(*files, _network(smk), *settings, smk.threads)


# ---------------------------------------------------------------------- planes and lines
def directions(smk: Any) -> None:
    """A plane's two directions and its centre."""
    from .planes import directions_job

    plane, centre = str(smk.wildcards.plane), _optional(smk, "centre")
    directions_job(*_mnist(smk), smk.output.directions, _network(smk), plane, centre)


def plane_grid(smk: Any) -> None:
    """J and accuracy on a plane's grid."""
    from .planes import plane_grid_job

    plane_grid_job(_plane(smk), smk.output.grid, _plane_grid(smk), smk.threads)


def plane_path(smk: Any) -> None:
    """A run's snapshots projected onto a plane."""
    from .planes import plane_path_job

    i = smk.input
    plane_path_job(_plane(smk), i.snapshots, i.training, smk.output.path, str(smk.wildcards.run))


def line(smk: Any) -> None:
    """J and accuracy along a line between two networks."""
    from ..landscape.directions import parse_line
    from .planes import line_job

    line = str(smk.wildcards.line)
    anchors = [_optional(smk, role) for role in parse_line(line).roles]
    t, points = tuple(map(float, smk.params.t)), int(smk.params.points)
    job = (smk.output.line, _network(smk), line, anchors, t, points, smk.threads)
    line_job(*_mnist(smk), *job, heldout=_heldout(smk))


# ---------------------------------------------------------------------- figures
def gallery_browser(smk: Any) -> None:
    """The sweep browser page."""
    from .figures import gallery_browser_job

    params = json.dumps({"rule": "gallery_browser", **dict(smk.params.items())}, sort_keys=True)
    gallery_browser_job(
        smk.input.summary, smk.output.html, dict(smk.params.sheet), list(smk.params.seeds), params
    )


def plotly_js(smk: Any) -> None:
    """The one offline copy of plotly.js."""
    from .figures import plotly_js_job

    plotly_js_job(smk.output.js)


def report_page(smk: Any) -> None:
    """A self-contained copy of an interactive page for the report."""
    from .figures import report_page_job

    report_page_job(smk.input.page, smk.input.plotly_js, smk.output.html)


def figure(smk: Any) -> None:
    """A figure kind of the registry (the rule is named after the kind)."""
    from ..render.registry import FigureJob, draw

    draw(FigureJob.from_snakemake(smk))


#: Rule name -> its job; a rule not listed is a figure kind of the registry.
RULES: dict[str, Callable[[Any], None]] = {
    "mnist_download": mnist_download,
    "grid": grid,
    "critical_points": critical_points,
    "plateaus": plateaus,
    "basins": basins,
    "analysis_summary": analysis_summary,
    "gallery_summary": gallery_summary,
    "plane_gradient": plane_gradient,
    "plane_critical_points": plane_critical_points,
    "plane_plateaus": plane_plateaus,
    "train": train,
    "heldout": heldout,
    "sharpness": sharpness,
    "spectrum": spectrum,
    "directions": directions,
    "plane_grid": plane_grid,
    "plane_path": plane_path,
    "line": line,
    "gallery_browser": gallery_browser,
    "plotly_js": plotly_js,
    "interactive_report": report_page,
    "plane_interactive_report": report_page,
}


def run_rule(smk: Any) -> None:
    """Run the job of Snakemake's `snakemake` object: a rule above or a figure kind."""
    with job_log(smk.log[0] if smk.log else None, smk.rule):
        RULES.get(smk.rule, figure)(smk)
