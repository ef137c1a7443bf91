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
from .common import (
    PathLike,
    end_label,
    grid_axes,
    lay_out,
    new_figure,
    percent,
    run_styles,
    seed_n_title,
)
from .data import TrainingRecord, check_columns, columns_of, load_training, read_checked
from .options import resolve_options
from .output import save_figure_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .registry import FigureJob


#: What the training curves' title says after seed and N.
TRAINING_TITLE = "training of every weight"


def network_title(job: FigureJob, what: str) -> str:
    """'seed S, N: n, what' from the job's seed and n (each left out when the job has none)."""
    return seed_n_title(job.int_value("seed"), job.int_value("n"), what)


def build_training_curves(
    runs: Sequence[TrainingRecord],
    *,
    heldout: Sequence[TrainingRecord] | None = None,
    options: Mapping[str, Any] | None = None,
    title: str = "",
) -> Figure:
    """Cost (top) and accuracy (bottom) per epoch of every run, one colour per optimizer; with
    `heldout` (one record per run, at its snapshots) the held-out cost and accuracy dashed.

    A diverged run's curves end with a cross at its last finite value. The legend gives each
    run's final accuracy (training and held-out). Returns the figure laid out.
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
    return lay_out(fig, title, o["title_fontsize"])


def render_training_curves(
    runs: Sequence[TrainingRecord],
    png_path: PathLike,
    *,
    heldout: Sequence[TrainingRecord] | None = None,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Write build_training_curves' figure (training and held-out curves of every run)."""
    fig = build_training_curves(runs, heldout=heldout, options=options, title=title)
    save_figure_png(fig, png_path, provenance)


def percent_of(values: np.ndarray) -> str:
    """The last finite value of an accuracy curve as a percentage ('n/a' when none is)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return percent(float(finite[-1])) if finite.size else "n/a"


def build_line_plot(
    t: np.ndarray,
    cost: np.ndarray,
    accuracy: np.ndarray,
    *,
    heldout_cost: np.ndarray | None = None,
    heldout_accuracy: np.ndarray | None = None,
    ends: tuple[str, str] = ("t = 0", "t = 1"),
    options: Mapping[str, Any] | None = None,
    title: str = "",
) -> Figure:
    """J (left axis) and accuracy (right axis) along t, on the training images (solid) and the
    held-out ones (dashed): Keskar et al.'s parametric plot; t = 0 and t = 1 marked and named
    by `ends`. Returns the figure laid out."""
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
    return lay_out(fig, title, o["title_fontsize"])


def render_line_plot(
    t: np.ndarray,
    cost: np.ndarray,
    accuracy: np.ndarray,
    png_path: PathLike,
    *,
    provenance: str = "",
    **kw: Any,
) -> None:
    """Write build_line_plot's figure; keywords as build_line_plot's (heldout_cost,
    heldout_accuracy, ends, options, title)."""
    save_figure_png(build_line_plot(t, cost, accuracy, **kw), png_path, provenance)


#: The columns of a line file, and its held-out columns (written with training.heldout).
LINE_COLUMNS = ("t", "cost", "accuracy")
HELDOUT_COLUMNS = ("heldout_cost", "heldout_accuracy")


def line_plot_table(
    frame: Any,
    line: str,
    styles: Mapping[str, Any],
    *,
    seed: int | None = None,
    n: int | None = None,
    what: str = "line table",
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], dict[str, Any]]:
    """What build_line_plot draws of a line table (t, cost, accuracy; the held-out curves when
    it has HELDOUT_COLUMNS) named `line`: its arguments (t, cost, accuracy) and the keywords
    heldout_cost, heldout_accuracy, ends (options section `styles`) and title ('seed S, N: n'
    and the line's formula)."""
    check_columns(list(frame.columns), LINE_COLUMNS, what)
    held = all(c in frame.columns for c in HELDOUT_COLUMNS)
    formula, ends = line_ends(line, styles)

    def values(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=np.float64)

    keywords = {
        "heldout_cost": values("heldout_cost") if held else None,
        "heldout_accuracy": values("heldout_accuracy") if held else None,
        "ends": ends,
        "title": seed_n_title(seed, n, formula),
    }
    return (values("t"), values("cost"), values("accuracy")), keywords


def line_ends(line: str, styles: Mapping[str, Any]) -> tuple[str, tuple[str, str]]:
    """A line's title formula and the names of its ends t = 0 and t = 1 (options `styles`).

    A name that is no line of the workflow gets 'line NAME' and the ends 't = 0', 't = 1'.
    """
    try:
        parsed = parse_line(line)
    except NameError_:
        return f"line {line}", ("t = 0", "t = 1")
    theta = [rf"\theta_{{\mathrm{{{anchor}}}}}" for anchor in parsed.anchors]
    if parsed.kind == "between":
        formula = rf"line {line}: $(1 - t)\,{theta[0]} + t\,{theta[1]}$"
        return formula, (end_label(str(parsed.start), styles), end_label(str(parsed.end), styles))
    formula = rf"line {line}: ${theta[0]} + t\,d$, d random{parsed.k} filter-normalised"
    return formula, (end_label(str(parsed.centre), styles), f"+ random direction {parsed.k}")


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
        title=network_title(job, TRAINING_TITLE),
    )
    return f"wrote {png} ({len(runs)} runs)"


def draw_line_plot(job: FigureJob) -> str:
    """J and accuracy along inputs.line (held-out too when the file has them); t = 0 and t = 1
    named by the line's ends."""
    path = job.inputs["line"]
    held = [c for c in HELDOUT_COLUMNS if c in columns_of(path)]
    frame = read_checked(path, (*LINE_COLUMNS, *held), "line file")
    line = str(job.value("line", Path(str(path)).stem))
    args, keywords = line_plot_table(
        frame, line, resolve_options(job.options())["styles"], seed=job.int_value("seed"),
        n=job.int_value("n"), what=f"line file {path}",
    )  # fmt: skip
    png = job.outputs["png"]
    render_line_plot(*args, png, options=job.options(), provenance=job.provenance(), **keywords)
    return f"wrote {png} ({len(frame)} points)"
