"""The Hessian along training runs: sharpness against the stability threshold, and spectra.

Kinds (each `draw_{name}(job)`, options section `name`): sharpness_plot (inputs sharpness and
training: one file each per run, named by params.runs; Cohen et al.'s Figure 1 layout) and
spectrum_plot (input spectrum: one run's densities at the snapshots of training.spectrum.at).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .common import PathLike, finish_figure, grid_axes, new_figure, run_styles
from .curves import network_title
from .data import TrainingRecord, load_training, metadata_of, read_checked
from .options import resolve_options

if TYPE_CHECKING:
    from .registry import FigureJob


@dataclass(frozen=True)
class SharpnessRecord:
    """One run's sharpness file: per snapshot epoch the k largest eigenvalues of H(J/2)."""

    run: str
    epoch: np.ndarray
    values: np.ndarray  # (snapshots, k), lambda_1 first
    threshold: float | None


def load_sharpness(path: PathLike, run: str) -> SharpnessRecord:
    """A run's {run}_sharpness.parquet (epoch, lambda_1 .. lambda_k; metadata threshold)."""
    meta = metadata_of(path)
    k = int(meta.get("eigenvalues", 1))
    names = [f"lambda_{i + 1}" for i in range(k)]
    frame = read_checked(path, ("epoch", *names), "sharpness file")
    values = np.column_stack([frame[c].to_numpy(dtype=np.float64) for c in names])
    threshold = meta.get("threshold")
    return SharpnessRecord(
        run,
        frame["epoch"].to_numpy(dtype=np.int64),
        values,
        None if threshold is None else float(threshold),
    )


def render_sharpness_plot(
    runs: Sequence[SharpnessRecord],
    training: Sequence[TrainingRecord],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Top: every run's lambda_1 per snapshot (lambda_2 .. lighter), its threshold dashed in the
    run's colour; bottom: the runs' training cost J per epoch (Cohen et al.'s Figure 1)."""
    if not runs or len(runs) != len(training):
        raise ValueError(f"sharpness_plot needs one training record per run ({len(runs)} runs)")
    opts = resolve_options(options)
    o = opts["sharpness_plot"]
    styles = run_styles(runs, opts["styles"])
    fig = new_figure(o["figsize"], o["dpi"])
    top = fig.add_subplot(2, 1, 1)
    bottom = fig.add_subplot(2, 1, 2, sharex=top)
    for r, t, st in zip(runs, training, styles, strict=True):
        top.plot(
            r.epoch,
            r.values[:, 0],
            color=st.color,
            linewidth=o["linewidth"],
            marker="o",
            markersize=o["marker_size"],
            label=f"{st.label}: $\\lambda_1$",
        )
        for i in range(1, r.values.shape[1]):
            top.plot(r.epoch, r.values[:, i], color=st.color, linewidth=o["linewidth"] / 2,
                     alpha=o["lighter_alpha"], label=f"{st.label}: $\\lambda_{i + 1}$" if i == 1
                     else None)  # fmt: skip
        if r.threshold is not None:
            top.axhline(r.threshold, color=st.color, linestyle="dashed",
                        linewidth=o["linewidth"], label=f"{st.label}: threshold "
                        f"{r.threshold:.3g}")  # fmt: skip
        bottom.plot(t.epoch, t.cost, color=st.color, linewidth=o["linewidth"], label=st.label)
    top.set_ylabel("sharpness (eigenvalues of $H(J/2)$)", fontsize=o["label_fontsize"])
    top.legend(fontsize=o["legend_fontsize"], loc="upper right")
    bottom.set_ylabel("cost J", fontsize=o["label_fontsize"])
    bottom.set_yscale(o["cost_scale"])
    bottom.set_xlabel("epochs", fontsize=o["label_fontsize"])
    bottom.legend(fontsize=o["legend_fontsize"], loc="upper right")
    for ax in (top, bottom):
        grid_axes(ax, o)
    finish_figure(fig, png_path, provenance, title, o["title_fontsize"])


def draw_sharpness_plot(job: FigureJob) -> str:
    """Sharpness of every run of inputs.sharpness over its training cost (inputs.training)."""
    files, training = job.files("sharpness"), job.files("training")
    names = job.run_names(files)
    runs = [load_sharpness(f, run) for f, run in zip(files, names, strict=True)]
    records = [load_training(f, run) for f, run in zip(training, names, strict=True)]
    png = job.outputs["png"]
    render_sharpness_plot(
        runs,
        records,
        png,
        options=job.options(),
        provenance=job.provenance(),
        title=network_title(job, "sharpness against the stability threshold"),
    )
    return f"wrote {png} ({len(runs)} runs)"


@dataclass(frozen=True)
class SpectrumRecord:
    """One run's spectrum file: per epoch the density on its eigenvalue grid, and the trace."""

    epochs: list[int]
    eigenvalue: list[np.ndarray]
    density: list[np.ndarray]
    trace: list[float]
    trace_stderr: list[float | None]


def load_spectrum(path: PathLike) -> SpectrumRecord:
    """A run's {run}_spectrum.parquet (epoch, eigenvalue, density; metadata spectrum)."""
    frame = read_checked(path, ("epoch", "eigenvalue", "density"), "spectrum file")
    records = metadata_of(path).get("spectrum") or []
    epoch = frame["epoch"].to_numpy(dtype=np.int64)
    grids, densities = [], []
    for r in records:
        rows = epoch == int(r["epoch"])
        grids.append(frame["eigenvalue"].to_numpy(dtype=np.float64)[rows])
        densities.append(frame["density"].to_numpy(dtype=np.float64)[rows])
    return SpectrumRecord(
        [int(r["epoch"]) for r in records],
        grids,
        densities,
        [float(r["trace"]) for r in records],
        [None if r.get("trace_stderr") is None else float(r["trace_stderr"]) for r in records],
    )


def render_spectrum_plot(
    spectrum: SpectrumRecord,
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """The eigenvalue density (log scale) at each snapshot, the trace +- its standard error in
    the legend; densities below options' floor are cut off (the Gaussians' tails)."""
    if not spectrum.epochs:
        raise ValueError("spectrum_plot: the spectrum file has no snapshot")
    o = resolve_options(options)["spectrum_plot"]
    fig = new_figure(o["figsize"], o["dpi"])
    ax = fig.add_subplot(1, 1, 1)
    colors = [o["colors"][i % len(o["colors"])] for i in range(len(spectrum.epochs))]
    for i, epoch in enumerate(spectrum.epochs):
        err = spectrum.trace_stderr[i]
        trace = f"trace {spectrum.trace[i]:.4g}" + ("" if err is None else f" $\\pm$ {err:.2g}")
        rho = np.where(spectrum.density[i] >= o["density_floor"], spectrum.density[i], np.nan)
        ax.plot(spectrum.eigenvalue[i], rho, color=colors[i], linewidth=o["linewidth"],
                label=f"epoch {epoch:,}: {trace}")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue of $H(J/2)$", fontsize=o["label_fontsize"])
    ax.set_ylabel("density", fontsize=o["label_fontsize"])
    ax.legend(fontsize=o["legend_fontsize"], loc="upper right")
    grid_axes(ax, o)
    finish_figure(fig, png_path, provenance, title, o["title_fontsize"])


def draw_spectrum_plot(job: FigureJob) -> str:
    """The densities of inputs.spectrum, one curve per snapshot."""
    path = job.inputs["spectrum"]
    run = str(job.value("run", Path(str(path)).stem.removesuffix("_spectrum")))
    spectrum = load_spectrum(path)
    meta = metadata_of(path)
    png = job.outputs["png"]
    render_spectrum_plot(
        spectrum,
        png,
        options=job.options(),
        provenance=job.provenance(),
        title=network_title(
            job,
            f"Hessian spectrum of run {run} ({meta.get('probes')} probes, "
            f"{meta.get('lanczos')} Lanczos steps)",
        ),
    )
    return f"wrote {png} ({len(spectrum.epochs)} snapshots)"
