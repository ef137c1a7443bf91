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

from .common import PathLike, grid_axes, lay_out, new_figure, run_styles
from .curves import network_title
from .data import TrainingRecord, check_columns, load_training, metadata_of, read_checked
from .options import resolve_options
from .output import save_figure_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .registry import FigureJob


@dataclass(frozen=True)
class SharpnessRecord:
    """One run's sharpness file: per snapshot epoch the k largest eigenvalues of H(J/2)."""

    run: str
    epoch: np.ndarray
    values: np.ndarray  # (snapshots, k), lambda_1 first
    threshold: float | None

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        run: str,
        meta: Mapping[str, Any] | None = None,
        what: str = "sharpness table",
    ) -> SharpnessRecord:
        """Build from a sharpness table (epoch, lambda_1 .. lambda_k) and its file's metadata
        `meta` (k: eigenvalues, else every lambda_i column there; the threshold)."""
        meta = meta or {}
        k = meta.get("eigenvalues")
        if k is None:
            k = 1
            while f"lambda_{k + 1}" in frame.columns:
                k += 1
        names = sharpness_columns(int(k))
        check_columns(list(frame.columns), ("epoch", *names), what)
        values = np.column_stack([frame[c].to_numpy(dtype=np.float64) for c in names])
        threshold = meta.get("threshold")
        return cls(
            run,
            frame["epoch"].to_numpy(dtype=np.int64),
            values,
            None if threshold is None else float(threshold),
        )


def sharpness_columns(k: int) -> list[str]:
    """The columns of the k largest eigenvalues: lambda_1 .. lambda_k."""
    return [f"lambda_{i + 1}" for i in range(k)]


def load_sharpness(path: PathLike, run: str) -> SharpnessRecord:
    """A run's {run}_sharpness.parquet (epoch, lambda_1 .. lambda_k; metadata threshold)."""
    meta = metadata_of(path)
    names = sharpness_columns(int(meta.get("eigenvalues", 1)))
    frame = read_checked(path, ("epoch", *names), "sharpness file")
    return SharpnessRecord.from_frame(
        frame, run, {**meta, "eigenvalues": len(names)}, f"sharpness file {path}"
    )


#: What the sharpness plot's title says after seed and N.
SHARPNESS_TITLE = "sharpness against the stability threshold"


def build_sharpness_plot(
    runs: Sequence[SharpnessRecord],
    training: Sequence[TrainingRecord],
    *,
    options: Mapping[str, Any] | None = None,
    title: str = "",
) -> Figure:
    """Top: every run's lambda_1 per snapshot (lambda_2 .. lighter), its threshold dashed in the
    run's colour; bottom: the runs' training cost J per epoch (Cohen et al.'s Figure 1).

    Returns the figure laid out.
    """
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
    return lay_out(fig, title, o["title_fontsize"])


def render_sharpness_plot(
    runs: Sequence[SharpnessRecord],
    training: Sequence[TrainingRecord],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Write build_sharpness_plot's figure (sharpness over the training cost of every run)."""
    fig = build_sharpness_plot(runs, training, options=options, title=title)
    save_figure_png(fig, png_path, provenance)


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
        title=network_title(job, SHARPNESS_TITLE),
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

    @classmethod
    def from_frame(
        cls, frame: Any, meta: Mapping[str, Any] | None = None, what: str = "spectrum table"
    ) -> SpectrumRecord:
        """Build from a spectrum table (epoch, eigenvalue, density) and its file's metadata
        `meta`, whose list `spectrum` holds each snapshot's epoch, trace and trace_stderr."""
        check_columns(list(frame.columns), SPECTRUM_COLUMNS, what)
        records = (meta or {}).get("spectrum") or []
        epoch = frame["epoch"].to_numpy(dtype=np.int64)
        grids, densities = [], []
        for r in records:
            rows = epoch == int(r["epoch"])
            grids.append(frame["eigenvalue"].to_numpy(dtype=np.float64)[rows])
            densities.append(frame["density"].to_numpy(dtype=np.float64)[rows])
        return cls(
            [int(r["epoch"]) for r in records],
            grids,
            densities,
            [float(r["trace"]) for r in records],
            [None if r.get("trace_stderr") is None else float(r["trace_stderr"]) for r in records],
        )


#: The columns of a spectrum file.
SPECTRUM_COLUMNS = ("epoch", "eigenvalue", "density")


def load_spectrum(path: PathLike) -> SpectrumRecord:
    """A run's {run}_spectrum.parquet (epoch, eigenvalue, density; metadata spectrum)."""
    frame = read_checked(path, SPECTRUM_COLUMNS, "spectrum file")
    return SpectrumRecord.from_frame(frame, metadata_of(path), f"spectrum file {path}")


def spectrum_title(run: str, meta: Mapping[str, Any]) -> str:
    """What the spectrum plot's title says after seed and N (run, probes, Lanczos steps)."""
    return (
        f"Hessian spectrum of run {run} ({meta.get('probes')} probes, "
        f"{meta.get('lanczos')} Lanczos steps)"
    )


def build_spectrum_plot(
    spectrum: SpectrumRecord,
    *,
    options: Mapping[str, Any] | None = None,
    title: str = "",
) -> Figure:
    """The eigenvalue density (log scale) at each snapshot, the trace +- its standard error in
    the legend; densities below options' floor are cut off (the Gaussians' tails). Returns the
    figure laid out."""
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
    return lay_out(fig, title, o["title_fontsize"])


def render_spectrum_plot(
    spectrum: SpectrumRecord,
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Write build_spectrum_plot's figure (the eigenvalue densities at each snapshot)."""
    save_figure_png(build_spectrum_plot(spectrum, options=options, title=title), png_path,
                    provenance)  # fmt: skip


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
        title=network_title(job, spectrum_title(run, meta)),
    )
    return f"wrote {png} ({len(spectrum.epochs)} snapshots)"
