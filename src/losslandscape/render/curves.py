"""Whole-network curves: training curves of every run and the line plots through all weights.

Kinds (each `draw_{name}(job)`, options section `name`): training_curves (inputs training: one
file per run, named by params.runs) and line_plot (input line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..landscape.directions import parse_line
from ..network.names import NameError_
from .common import PathLike, end_label, finish_figure, grid_axes, new_figure, percent, run_styles
from .data import TrainingRecord, columns_of, load_training, read_checked
from .options import resolve_options

if TYPE_CHECKING:
    from .registry import FigureJob


def network_title(job: FigureJob, what: str) -> str:
    """'seed S, N: n, what' from the job's seed and n (each left out when the job has none)."""
    seed, n = job.int_value("seed"), job.int_value("n")
    bits = [] if seed is None else [f"seed {seed}"]
    bits += [] if n is None else [f"N: {n:,}"]
    return ", ".join([*bits, what])


def render_training_curves(
    runs: Sequence[TrainingRecord],
    png_path: PathLike,
    *,
    heldout: Sequence[TrainingRecord] | None = None,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Cost (top) and accuracy (bottom) per epoch of every run, one colour per optimizer; with
    `heldout` (one record per run, at its snapshots) the held-out cost and accuracy dashed.

    A diverged run's curves end with a cross at its last finite value. The legend gives each
    run's final accuracy (training and held-out).
    """
    if not runs:
        raise ValueError("training_curves needs at least one run")
    if heldout is not None and len(heldout) != len(runs):
        raise ValueError(f"{len(runs)} runs but {len(heldout)} held-out records")
    opts = resolve_options(options)
    o = opts["training_curves"]
    styles = run_styles(runs, opts["styles"])
    fig = new_figure(o["figsize"], o["dpi"])
    top = fig.add_subplot(2, 1, 1)
    bottom = fig.add_subplot(2, 1, 2, sharex=top)
    for i, (r, st) in enumerate(zip(runs, styles, strict=True)):
        label = f"{st.label}: training ({percent_of(r.accuracy)})"
        if r.diverged_at is not None:
            label += f", diverged at epoch {r.diverged_at:,}"
        for ax, values in ((top, r.cost), (bottom, r.accuracy)):
            ax.plot(r.epoch, values, color=st.color, linewidth=o["linewidth"], label=label)
            ok = np.flatnonzero(np.isfinite(values))
            if r.diverged_at is not None and ok.size:
                k = ok[-1]
                ax.plot(
                    r.epoch[k],
                    values[k],
                    marker="X",
                    markersize=o["marker_size"],
                    color=st.marker_color,
                    markeredgecolor="black",
                    linestyle="none",
                )
        if heldout is not None:
            h = heldout[i]
            held = f"{st.label}: held-out ({percent_of(h.accuracy)})"
            for ax, values in ((top, h.cost), (bottom, h.accuracy)):
                ax.plot(
                    h.epoch,
                    values,
                    color=st.color,
                    linewidth=o["linewidth"],
                    linestyle="dashed",
                    label=held,
                )
    top.set_ylabel("cost J", fontsize=o["label_fontsize"])
    top.set_yscale(o["cost_scale"])
    top.legend(fontsize=o["legend_fontsize"], loc="upper right")
    bottom.set_ylabel("accuracy", fontsize=o["label_fontsize"])
    bottom.set_xlabel("epochs", fontsize=o["label_fontsize"])
    for ax in (top, bottom):
        grid_axes(ax, o)
    finish_figure(fig, png_path, provenance, title, o["title_fontsize"])


def percent_of(values: np.ndarray) -> str:
    """The last finite value of an accuracy curve as a percentage ('n/a' when none is)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return percent(float(finite[-1])) if finite.size else "n/a"


def render_line_plot(
    t: np.ndarray,
    cost: np.ndarray,
    accuracy: np.ndarray,
    png_path: PathLike,
    *,
    heldout_cost: np.ndarray | None = None,
    heldout_accuracy: np.ndarray | None = None,
    ends: tuple[str, str] = ("t = 0", "t = 1"),
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """J (left axis) and accuracy (right axis) along t, on the training images (solid) and the
    held-out ones (dashed): Keskar et al.'s parametric plot; t = 0 and t = 1 marked and named
    by `ends`."""
    o = resolve_options(options)["line_plot"]
    t = np.asarray(t, dtype=np.float64)
    if t.size == 0 or np.any(np.diff(t) <= 0):
        raise ValueError("a line needs t values in increasing order")
    fig = new_figure(o["figsize"], o["dpi"])
    left = fig.add_subplot(1, 1, 1)
    right = left.twinx()
    curves = [
        (left, cost, o["cost_color"], "solid", "cost J, training images"),
        (right, accuracy, o["accuracy_color"], "solid", "accuracy, training images"),
    ]
    if heldout_cost is not None and heldout_accuracy is not None:
        curves += [
            (left, heldout_cost, o["cost_color"], "dashed", "cost J, held-out images"),
            (right, heldout_accuracy, o["accuracy_color"], "dashed", "accuracy, held-out images"),
        ]
    handles = []
    for ax, values, color, style, label in curves:
        values = np.asarray(values, dtype=np.float64)
        (line,) = ax.plot(
            t, values, color=color, linewidth=o["linewidth"], linestyle=style, label=label
        )
        handles.append(line)
        for where in (0.0, 1.0):
            if t[0] <= where <= t[-1]:
                ax.plot(
                    [where],
                    [np.interp(where, t, values)],
                    marker="o",
                    linestyle="none",
                    markersize=o["marker_size"],
                    color=color,
                    markeredgecolor="black",
                )
    for where in (0.0, 1.0):
        left.axvline(where, color=o["end_color"], linestyle="dotted", linewidth=1)
    left.set_yscale(o["cost_scale"])
    left.set_ylabel("cost J", fontsize=o["label_fontsize"], color=o["cost_color"])
    right.set_ylabel("accuracy", fontsize=o["label_fontsize"], color=o["accuracy_color"])
    right.tick_params(axis="y", labelsize=o["tick_labelsize"], colors=o["accuracy_color"])
    for where, name in zip((0.0, 1.0), ends, strict=True):
        left.annotate(
            f"{name}\n(t = {where:g})",
            xy=(where, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=o["legend_fontsize"],
        )
    left.set_xlabel("t", fontsize=o["label_fontsize"])
    grid_axes(left, o)
    left.legend(
        handles=handles,
        fontsize=o["legend_fontsize"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=2,
    )
    finish_figure(fig, png_path, provenance, title, o["title_fontsize"])


def draw_training_curves(job: FigureJob) -> str:
    """Cost and accuracy per epoch of every run of inputs.training (and inputs.heldout)."""
    files = job.files("training")
    names = job.run_names(files)
    runs = [load_training(f, run) for f, run in zip(files, names, strict=True)]
    heldout = None
    if job.inputs.get("heldout"):
        held = job.files("heldout")
        heldout = [load_training(f, run) for f, run in zip(held, names, strict=True)]
    png = job.outputs["png"]
    render_training_curves(
        runs,
        png,
        heldout=heldout,
        options=job.options(),
        provenance=job.provenance(),
        title=network_title(job, "training of every weight"),
    )
    return f"wrote {png} ({len(runs)} runs)"


def draw_line_plot(job: FigureJob) -> str:
    """J and accuracy along inputs.line (held-out too when the file has them); t = 0 and t = 1
    named by the line's ends."""
    path = job.inputs["line"]
    held = [c for c in ("heldout_cost", "heldout_accuracy") if c in columns_of(path)]
    frame = read_checked(path, ("t", "cost", "accuracy", *held), "line file")
    line = str(job.value("line", Path(str(path)).stem))
    styles = resolve_options(job.options())["styles"]
    try:
        parsed = parse_line(line)
    except NameError_:
        ends = ("t = 0", "t = 1")
        formula = f"line {line}"
    else:
        theta = [rf"\theta_{{\mathrm{{{anchor}}}}}" for anchor in parsed.anchors]
        if parsed.kind == "between":
            formula = rf"line {line}: $(1 - t)\,{theta[0]} + t\,{theta[1]}$"
            ends = (end_label(str(parsed.start), styles), end_label(str(parsed.end), styles))
        else:
            formula = rf"line {line}: ${theta[0]} + t\,d$, d random{parsed.k} filter-normalised"
            ends = (end_label(str(parsed.centre), styles), f"+ random direction {parsed.k}")
    png = job.outputs["png"]
    render_line_plot(
        frame["t"].to_numpy(),
        frame["cost"].to_numpy(),
        frame["accuracy"].to_numpy(),
        png,
        heldout_cost=frame["heldout_cost"].to_numpy() if held else None,
        heldout_accuracy=frame["heldout_accuracy"].to_numpy() if held else None,
        ends=ends,
        options=job.options(),
        provenance=job.provenance(),
        title=network_title(job, formula),
    )
    return f"wrote {png} ({len(frame)} points)"
