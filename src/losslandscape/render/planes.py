"""Whole-network figures: planes through all weights, training curves and lines.

A plane theta(alpha, beta) = centre + alpha d1 + beta d2 (results/planes/{seed}/{n}/{plane}/) is
drawn with the two-weight renderers: its grid is a `Landscape` over (alpha, beta) (z = J, or the
accuracy for accuracy panels) and a run's projected path a `Track` over (alpha, beta) whose cost
is the TRUE J of the snapshot, not J at the projected point. Where a path leaves the surface the
snapshot lies off the plane; plane_distance shows by how much. The centre is alpha = beta = 0.

Kinds (each `draw_{name}(job)`, options section `name`): plane_contour, plane_surfaces,
plane_descent3d, plane_descent2d, plane_interactive, plane_distance (inputs grid, paths,
directions; plane_surfaces also training), training_curves (inputs training) and line_plot
(input line). Runs are named by params.runs (the paths' order), else by their file names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..names import INIT, NameError_, parse_line, parse_plane
from .animation import _animate_2d, _animate_3d
from .common import (
    PathLike,
    TrackStyle,
    contour_background,
    draw_critical,
    draw_surface,
    new_figure,
    style_3d_axes,
    title_of,
    track_styles,
)
from .data import Columns, CriticalPoints, Landscape, Track, read_table
from .interactive import plotly_url, render_interactive
from .options import resolve_options
from .output import save_figure_png

if TYPE_CHECKING:
    from .registry import FigureJob

#: Axis labels of a plane's coordinates.
ALPHA_LABEL = "α (d1)"
BETA_LABEL = "β (d2)"
#: Columns every plane path file must have (plane_distance also needs plane_cost, distance).
PATH_COLUMNS = ("epoch", "alpha", "beta", "cost")


# ---------------------------------------------------------------------- reading result files
def _columns_of(path: PathLike) -> list[str]:
    """The column names of a Parquet file."""
    from ..io import read_column_names

    return read_column_names(path)


def _read(path: PathLike, columns: Sequence[str], what: str, why: str = "") -> Columns:
    """`columns` of a Parquet file; a missing column is named in the error, with `why`."""
    have = _columns_of(path)
    missing = [c for c in columns if c not in have]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise ValueError(
            f"{what} {path} lacks column(s) {names} (it has: {', '.join(have)})"
            + (f"; {why}" if why else "")
        )
    return read_table(path, list(columns))


def _metadata(path: PathLike | None) -> dict[str, Any]:
    """The losslandscape metadata of a result file ({} when there is none)."""
    from ..io import read_metadata

    if path is None:
        return {}
    try:
        return dict(read_metadata(path))
    except (KeyError, TypeError, ValueError):
        return {}


def load_plane(
    path: PathLike, value: str = "cost", seed: int | None = None, n: int | None = None
) -> Landscape:
    """A plane's grid.parquet as a Landscape over (alpha, beta); z is column `value`."""
    frame = _read(path, ("alpha", "beta", value), "plane grid")
    table = Columns(
        {"w_a": frame.data["alpha"], "w_b": frame.data["beta"], "cost": frame.data[value]}
    )
    land = Landscape.from_frame(table, seed=seed, n=n)
    return replace(land, label_a=ALPHA_LABEL, label_b=BETA_LABEL)


@dataclass(frozen=True)
class PlanePath:
    """One run's snapshots projected on a plane (row k: the snapshot after epoch[k] updates).

    cost is the true J of the snapshot, plane_cost J at its projection (alpha, beta) and
    distance its Euclidean distance from the plane (None when the file lacks them).
    """

    run: str
    epoch: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    cost: np.ndarray
    plane_cost: np.ndarray | None = None
    distance: np.ndarray | None = None

    def track(self, values: np.ndarray | None = None) -> Track:
        """The path as a Track over (alpha, beta), z = the true J (or `values`)."""
        z = self.cost if values is None else np.asarray(values, dtype=np.float64)
        return Track(self.epoch, self.alpha, self.beta, z, name=self.run)


def load_path(path: PathLike, run: str, require: Sequence[str] = (), why: str = "") -> PlanePath:
    """A plane's path_{run}.parquet; columns in `require` must be there (error names `why`)."""
    have = _columns_of(path)
    optional = [c for c in ("plane_cost", "distance") if c in have and c not in require]
    frame = _read(path, [*PATH_COLUMNS, *require, *optional], "plane path file", why)
    if len(frame) == 0:
        raise ValueError(f"plane path file {path} is empty")
    epoch = frame["epoch"].to_numpy(dtype=np.int64)
    if np.any(np.diff(epoch) <= 0):
        raise ValueError(f"plane path file {path}: epochs are not strictly increasing")

    def column(name: str) -> np.ndarray | None:
        return frame[name].to_numpy(dtype=np.float64) if name in frame.columns else None

    return PlanePath(
        run=run,
        epoch=epoch,
        alpha=frame["alpha"].to_numpy(dtype=np.float64),
        beta=frame["beta"].to_numpy(dtype=np.float64),
        cost=frame["cost"].to_numpy(dtype=np.float64),
        plane_cost=column("plane_cost"),
        distance=column("distance"),
    )


@dataclass(frozen=True)
class TrainingRun:
    """One training run's cost and accuracy per epoch (row 0 the initial network)."""

    run: str
    epoch: np.ndarray
    cost: np.ndarray
    accuracy: np.ndarray
    diverged_at: int | None = None

    def accuracy_at(self, epochs: np.ndarray, source: str = "") -> np.ndarray:
        """The accuracy at each of `epochs`; every one must be an epoch of the run."""
        epochs = np.asarray(epochs, dtype=np.int64)
        idx = np.clip(np.searchsorted(self.epoch, epochs), 0, len(self.epoch) - 1)
        missing = epochs[self.epoch[idx] != epochs]
        if missing.size:
            raise ValueError(
                f"training file{f' {source}' if source else ''} of run {self.run} has no row for "
                f"epoch(s) {missing[:5].tolist()} of its path (it holds epochs "
                f"{int(self.epoch[0])}..{int(self.epoch[-1])})"
            )
        return self.accuracy[idx]


def load_training(path: PathLike, run: str) -> TrainingRun:
    """A run's results/training/{seed}/{n}/{run}.parquet (epoch, cost, accuracy)."""
    frame = _read(path, ("epoch", "cost", "accuracy"), "training file")
    if len(frame) == 0:
        raise ValueError(f"training file {path} is empty")
    epoch = frame["epoch"].to_numpy(dtype=np.int64)
    if np.any(np.diff(epoch) <= 0):
        raise ValueError(f"training file {path}: epochs are not strictly increasing")
    diverged = _metadata(path).get("diverged_at_epoch")
    return TrainingRun(
        run=run,
        epoch=epoch,
        cost=frame["cost"].to_numpy(dtype=np.float64),
        accuracy=frame["accuracy"].to_numpy(dtype=np.float64),
        diverged_at=None if diverged is None else int(diverged),
    )


def in_plane_offsets(directions: PathLike | None, paths: Sequence[PlanePath]) -> list[Any]:
    """|alpha d1 + beta d2| of every snapshot (its offset from the centre within the plane).

    None per path when there is no directions file or it lacks d1 and d2.
    """
    if directions is None or not {"d1", "d2"} <= set(_columns_of(directions)):
        return [None] * len(paths)
    from ..io import read_parquet

    table = read_parquet(directions, ["d1", "d2"])
    d1, d2 = (table.column(c).to_numpy().astype(np.float64) for c in ("d1", "d2"))
    g11, g12, g22 = float(d1 @ d1), float(d1 @ d2), float(d2 @ d2)
    out = []
    for p in paths:
        sq = p.alpha**2 * g11 + 2 * p.alpha * p.beta * g12 + p.beta**2 * g22
        out.append(np.sqrt(np.maximum(sq, 0.0)))
    return out


def _percent(share: float) -> str:
    """A share as a percentage with three significant digits."""
    return f"{100 * share:.3g}%"


def plane_note(meta: Mapping[str, Any]) -> str:
    """What a directions file says about its two directions (PCA or Hessian), else ''."""
    ratios = meta.get("explained_variance_ratio")
    if ratios:
        shares = ", ".join(f"d{i + 1} {_percent(float(r))}" for i, r in enumerate(ratios[:2]))
        return f"PCA explained variance: {shares}"
    values = meta.get("eigenvalues")
    if values:
        shown = ", ".join(f"d{i + 1} {float(v):.4g}" for i, v in enumerate(values[:2]))
        return f"Hessian eigenvalues: {shown}"
    return ""


def run_label(run: str, styles: Mapping[str, Any]) -> str:
    """A run's display name: its optimizer label ('SGD'), or 'initial network' for init."""
    if run == INIT:
        return "initial network"
    return str(styles["optimizer_labels"].get(run, run))


def end_label(end: str, styles: Mapping[str, Any]) -> str:
    """A line end's display name: 'initial network' or e.g. 'SGD, final network'."""
    return run_label(end, styles) if end == INIT else f"{run_label(end, styles)}, final network"


def centre_label(plane: str | None, styles: Mapping[str, Any]) -> str:
    """The legend text of a plane's centre (alpha = beta = 0)."""
    try:
        centre = parse_plane(str(plane)).centre
    except NameError_:
        return "centre"
    if centre == INIT:
        return "centre: initial network"
    return f"centre: {end_label(centre, styles)}"


def plane_title(land: Landscape, plane: str | None, note: str = "") -> str:
    """'seed S, N: n, plane P' and the directions' note on a second line."""
    title = title_of(land, f"plane {plane}" if plane else "")
    return f"{title}\n{note}" if note else title


def _finite_range(values: Sequence[np.ndarray], base: tuple[float, float]) -> tuple[float, float]:
    """`base` widened to every finite value, padded by 2% when the values reach beyond it."""
    lo, hi = base
    finite = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in values] or [[]])
    finite = finite[np.isfinite(finite)]
    if finite.size == 0 or (finite.min() >= lo and finite.max() <= hi):
        return lo, hi
    lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    pad = 0.02 * (hi - lo)
    return lo - pad, hi + pad


def value_at(land: Landscape, a: float, b: float) -> float | None:
    """The landscape's value at (a, b), bilinear between grid points; None outside the grid."""
    ia, ib = np.argsort(land.a), np.argsort(land.b)
    xa, xb = land.a[ia], land.b[ib]
    if not (xa[0] <= a <= xa[-1] and xb[0] <= b <= xb[-1]):
        return None
    z = land.z[np.ix_(ib, ia)]
    along_a = np.array([np.interp(a, xa, row) for row in z])
    return float(np.interp(b, xb, along_a))


def _styles(items: Sequence[Any], styles: Mapping[str, Any]) -> list[TrackStyle]:
    """One colour per optimizer (styles.optimizer_colors) for paths or runs (by their .run)."""
    z = np.zeros(1)
    named = [Track(z.astype(np.int64), z, z, z, name=item.run) for item in items]
    return track_styles(named, "optimizers", styles)


# ---------------------------------------------------------------------- renderers
def _contour_panel(
    fig: Any, ax: Any, land: Landscape, o: Mapping[str, Any], cmap: str, label: str
) -> None:
    """Dashed contour lines and filled contours of `land` (contour_background), colour bar."""
    from matplotlib.contour import ContourSet

    contour_background(ax, land, {**o, "cmap": cmap})
    ax.set_xlabel(land.label_a, fontsize=o["label_fontsize"])
    ax.set_ylabel(land.label_b, fontsize=o["label_fontsize"])
    ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    ax.set_title(label, fontsize=o["label_fontsize"])
    if o["colorbar"]:
        fills = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
        bar = fig.colorbar(fills[-1], ax=ax)
        bar.ax.tick_params(labelsize=o["tick_labelsize"])


def _path_line(st: TrackStyle, o: Mapping[str, Any]) -> dict[str, Any]:
    """How a run's path is drawn on a plane (2D or 3D): its line, a dot on every snapshot."""
    return {
        "linestyle": st.linestyle,
        "linewidth": o["linewidth"],
        "color": st.color,
        "marker": "o",
        "markersize": o["snapshot_marker_size"],
        "markerfacecolor": st.marker_color,
        "markeredgecolor": st.marker_color,
        "label": st.label,
    }


def _paths_2d(
    ax: Any, paths: Sequence[PlanePath], styles: Sequence[TrackStyle], o: Mapping[str, Any]
) -> None:
    """Every path: a line with a marker per snapshot, a square on its first snapshot."""
    for p, st in zip(paths, styles, strict=True):
        ax.plot(p.alpha, p.beta, **_path_line(st, o), zorder=4)
        ax.plot(
            p.alpha[:1],
            p.beta[:1],
            marker="s",
            markersize=o["start_marker_size"],
            color=st.marker_color,
            markeredgecolor="black",
            linestyle="none",
            zorder=5,
        )


def _centre(ax: Any, o: Mapping[str, Any], label: str, *z: float) -> Any:
    """The plane's centre (alpha = beta = 0) as a star; at height z[0] on 3D axes."""
    xyz = ([0.0], [0.0], *([v] for v in z))
    extra = {"axlim_clip": True} if z else {}
    (handle,) = ax.plot(
        *xyz,
        linestyle="none",
        marker="*",
        markersize=o["centre_marker_size"],
        markerfacecolor=o["centre_color"],
        markeredgecolor="black",
        zorder=6,
        label=label,
        **extra,
    )
    return handle


def render_plane_contour(
    cost: Landscape,
    accuracy: Landscape,
    paths: Sequence[PlanePath],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
    centre: str = "centre",
    critical: CriticalPoints | None = None,
) -> None:
    """Filled contours of J and of the accuracy side by side, every run's path on both.

    `critical`, the plane's critical points (analysis.planes), are marked on the cost panel by
    kind (options section `critical`).
    """
    opts = resolve_options(options)
    o = opts["plane_contour"]
    styles = _styles(paths, opts["styles"])
    fig = new_figure(o["figsize"], o["dpi"])
    panels = ((cost, o["cmap"], "cost J"), (accuracy, o["accuracy_cmap"], "accuracy"))
    for i, (land, cmap, label) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        _contour_panel(fig, ax, land, o, cmap, label)
        _paths_2d(ax, paths, styles, o)
        _centre(ax, o, centre)
        if i == 0:
            draw_critical(ax, critical, opts["critical"])
            ax.legend(fontsize=o["legend_fontsize"], loc="upper right")
    if title:
        fig.suptitle(title, fontsize=o["title_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


def _surface_panel(
    ax: Any,
    land: Landscape,
    paths: Sequence[PlanePath],
    values: Sequence[np.ndarray],
    styles: Sequence[TrackStyle],
    o: Mapping[str, Any],
    *,
    cmap: str,
    zlabel: str,
    gaps: Sequence[np.ndarray | None],
    centre: str,
) -> list[Any]:
    """One 3D surface with every path at `values` (true J or true accuracy) per snapshot.

    Returns the legend handles: paths, the gap lines' style (when drawn), the centre.
    """
    from matplotlib.lines import Line2D
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    ax.view_init(elev=o["elev"], azim=o["azim"])
    style_3d_axes(ax, land, o, zlabel=zlabel)
    draw_surface(ax, land, {**o, "cmap": cmap}, zorder=1)
    ax.set_zlim(*_finite_range([*values, *(g for g in gaps if g is not None)], land.zrange))
    handles: list[Any] = []
    drawn_gaps = False
    for p, z, gap, st in zip(paths, values, gaps, styles, strict=True):
        if gap is not None and o["gap_lines"]:
            drawn_gaps = True
            segments = [
                [(a, b, g), (a, b, v)]
                for a, b, g, v in zip(p.alpha, p.beta, gap, z, strict=True)
                if np.isfinite([a, b, g, v]).all()
            ]
            ax.add_collection3d(
                Line3DCollection(
                    segments,
                    colors=st.color,
                    linewidths=o["gap_linewidth"],
                    linestyles="dotted",
                    zorder=2,
                    axlim_clip=True,
                )
            )
        (line,) = ax.plot(p.alpha, p.beta, z, **_path_line(st, o), zorder=3, axlim_clip=True)
        handles.append(line)
    if drawn_gaps:
        handles.append(
            Line2D(
                [],
                [],
                color="gray",
                linestyle="dotted",
                linewidth=o["gap_linewidth"] * 2,
                label="J at the projected point to the true J",
            )
        )
    middle = value_at(land, 0.0, 0.0)
    if middle is not None:
        handles.append(_centre(ax, o, centre, middle))
    return handles


def render_plane_surfaces(
    cost: Landscape,
    accuracy: Landscape,
    paths: Sequence[PlanePath],
    accuracies: Sequence[np.ndarray],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
    centre: str = "centre",
) -> None:
    """3D surfaces of J and of the accuracy side by side, paths at their TRUE J and accuracy.

    `accuracies` holds each path's true accuracy per snapshot (from the run's training file).
    On the J panel dotted vertical lines join J at the projected point to the true J.
    """
    if len(accuracies) != len(paths):
        raise ValueError(f"{len(paths)} paths but {len(accuracies)} accuracy series")
    opts = resolve_options(options)
    o = opts["plane_surfaces"]
    styles = _styles(paths, opts["styles"])
    fig = new_figure(o["figsize"], o["dpi"])
    panels = (
        (cost, [p.cost for p in paths], [p.plane_cost for p in paths], o["cmap"], "cost J"),
        (accuracy, list(accuracies), [None] * len(paths), o["accuracy_cmap"], "accuracy"),
    )
    for i, (land, values, gaps, cmap, zlabel) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1, projection="3d", computed_zorder=False)
        handles = _surface_panel(
            ax, land, paths, values, styles, o, cmap=cmap, zlabel=zlabel, gaps=gaps, centre=centre
        )
        ax.set_title(
            f"{zlabel}: surface on the plane, paths at the snapshots' true {zlabel}",
            fontsize=o["label_fontsize"],
        )
        if i == 0:
            ax.legend(handles=handles, fontsize=o["legend_fontsize"], loc="upper left")
    if title:
        fig.suptitle(title, fontsize=o["title_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


def snapshot_options(
    options: Mapping[str, Any] | None,
    kind: str,
    landscape: Landscape,
    tracks: Sequence[Track],
    zlim: bool = False,
) -> dict[str, Any]:
    """Resolved options with section `kind`'s null frames = every snapshot epoch of `tracks`.

    With `zlim`, a null zlim becomes the range of the surface and every path's finite J.
    """
    if not tracks:
        raise ValueError(f"{kind} needs at least one path")
    opts = resolve_options(options)
    o = opts[kind]
    if o["frames"] is None:
        o["frames"] = sorted({int(e) for t in tracks for e in t.epoch})
    if zlim and o["zlim"] is None:
        o["zlim"] = list(_finite_range([t.cost for t in tracks], landscape.zrange))
    return opts


def render_plane_descent3d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Every run's path growing on the plane's J surface (at its true J), GIF + last frame."""
    opts = snapshot_options(options, "plane_descent3d", landscape, tracks, zlim=True)
    return _animate_3d(
        landscape,
        tracks,
        gif_path,
        png_path,
        kind="plane_descent3d",
        style="optimizers",
        options=opts,
        provenance=provenance,
    )


def render_plane_descent2d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Every run's path growing on the plane's contour, its true J per epoch below; GIF + PNG."""
    opts = snapshot_options(options, "plane_descent2d", landscape, tracks)
    return _animate_2d(
        landscape,
        tracks,
        gif_path,
        png_path,
        kind="plane_descent2d",
        style="optimizers",
        options=opts,
        provenance=provenance,
    )


def render_plane_interactive(
    landscape: Landscape,
    tracks: Sequence[Track],
    html_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str | None = None,
    plotly_js: str | None = None,
) -> list[int]:
    """render_interactive with section plane_interactive (frames: the snapshots by default)."""
    opts = snapshot_options(options, "plane_interactive", landscape, tracks)
    return render_interactive(
        landscape,
        tracks,
        html_path,
        style="optimizers",
        options=opts,
        provenance=provenance,
        title=title,
        kind="plane_interactive",
        plotly_js=plotly_js,
    )


def _style_legend(ax: Any, entries: Sequence[tuple[str, str]], o: Mapping[str, Any]) -> Any:
    """A legend of black line styles: (linestyle, text) pairs."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color="black", linestyle=ls, linewidth=o["linewidth"]) for ls, _ in entries
    ]
    return ax.legend(
        handles, [t for _, t in entries], fontsize=o["legend_fontsize"], loc="upper right"
    )


def render_plane_distance(
    paths: Sequence[PlanePath],
    png_path: PathLike,
    *,
    in_plane: Sequence[np.ndarray | None] | None = None,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Per epoch: each snapshot's distance from the plane (top); true J and J at the projection.

    `in_plane` (per path, optional): the snapshot's offset from the centre within the plane,
    drawn dotted in the top panel as the distance's scale.
    """
    for p in paths:
        if p.distance is None or p.plane_cost is None:
            raise ValueError(f"path of run {p.run} lacks distance or plane_cost")
    opts = resolve_options(options)
    o = opts["plane_distance"]
    styles = _styles(paths, opts["styles"])
    offsets = list(in_plane) if in_plane is not None else [None] * len(paths)
    show_offsets = bool(o["show_in_plane"]) and any(x is not None for x in offsets)
    fig = new_figure(o["figsize"], o["dpi"])
    top = fig.add_subplot(2, 1, 1)
    bottom = fig.add_subplot(2, 1, 2, sharex=top)
    lw, ms = o["linewidth"], o["marker_size"]
    for p, off, st in zip(paths, offsets, styles, strict=True):
        top.plot(
            p.epoch,
            p.distance,
            color=st.color,
            linewidth=lw,
            marker="o",
            markersize=ms,
            label=st.label,
        )
        if show_offsets and off is not None:
            top.plot(p.epoch, off, color=st.color, linewidth=lw, linestyle="dotted")
        bottom.plot(p.epoch, p.cost, color=st.color, linewidth=lw, marker="o", markersize=ms)
        bottom.plot(p.epoch, p.plane_cost, color=st.color, linewidth=lw, linestyle="dashed")
    top.set_ylabel("distance", fontsize=o["label_fontsize"])
    top.set_yscale(o["distance_scale"])
    entries = [("solid", "distance of the snapshot from the plane")]
    if show_offsets:
        entries.append(("dotted", "offset of its projection from the centre"))
    first = top.legend(fontsize=o["legend_fontsize"], loc="best")
    top.add_artist(first)
    _style_legend(top, entries, o)
    bottom.set_ylabel("cost J", fontsize=o["label_fontsize"])
    bottom.set_yscale(o["cost_scale"])
    bottom.set_xlabel("epochs", fontsize=o["label_fontsize"])
    _style_legend(
        bottom,
        [("solid", "true J of the snapshot"), ("dashed", "J at its projection on the plane")],
        o,
    )
    for ax in (top, bottom):
        ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
        ax.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=o["title_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


def render_training_curves(
    runs: Sequence[TrainingRun],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Cost (top) and accuracy (bottom) per epoch of every run, one colour per optimizer.

    A diverged run's curves end with a cross at its last finite value.
    """
    if not runs:
        raise ValueError("training_curves needs at least one run")
    opts = resolve_options(options)
    o = opts["training_curves"]
    styles = _styles(runs, opts["styles"])
    fig = new_figure(o["figsize"], o["dpi"])
    top = fig.add_subplot(2, 1, 1)
    bottom = fig.add_subplot(2, 1, 2, sharex=top)
    for r, st in zip(runs, styles, strict=True):
        label = st.label
        if r.diverged_at is not None:
            label += f" (diverged at epoch {r.diverged_at:,})"
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
    top.set_ylabel("cost J", fontsize=o["label_fontsize"])
    top.set_yscale(o["cost_scale"])
    top.legend(fontsize=o["legend_fontsize"], loc="upper right")
    bottom.set_ylabel("accuracy", fontsize=o["label_fontsize"])
    bottom.set_xlabel("epochs", fontsize=o["label_fontsize"])
    for ax in (top, bottom):
        ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
        ax.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=o["title_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


def render_line_plot(
    t: np.ndarray,
    cost: np.ndarray,
    accuracy: np.ndarray,
    png_path: PathLike,
    *,
    ends: tuple[str, str] = ("t = 0", "t = 1"),
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """J (top) and accuracy (bottom) along t; t = 0 and t = 1 marked and named by `ends`."""
    o = resolve_options(options)["line_plot"]
    t = np.asarray(t, dtype=np.float64)
    if t.size == 0 or np.any(np.diff(t) <= 0):
        raise ValueError("a line needs t values in increasing order")
    fig = new_figure(o["figsize"], o["dpi"])
    top = fig.add_subplot(2, 1, 1)
    bottom = fig.add_subplot(2, 1, 2, sharex=top)
    rows = (
        (top, cost, o["cost_color"], "cost J"),
        (bottom, accuracy, o["accuracy_color"], "accuracy"),
    )
    for ax, values, color, label in rows:
        values = np.asarray(values, dtype=np.float64)
        ax.plot(t, values, color=color, linewidth=o["linewidth"])
        ax.set_ylabel(label, fontsize=o["label_fontsize"])
        ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
        ax.grid(True, alpha=0.3)
        for where in (0.0, 1.0):
            ax.axvline(where, color=o["end_color"], linestyle="dashed", linewidth=1)
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
    top.set_yscale(o["cost_scale"])
    for where, name in zip((0.0, 1.0), ends, strict=True):
        top.annotate(
            f"{name}\n(t = {where:g})",
            xy=(where, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=o["legend_fontsize"],
        )
    bottom.set_xlabel("t", fontsize=o["label_fontsize"])
    if title:
        fig.suptitle(title, fontsize=o["title_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


# ---------------------------------------------------------------------- figure jobs
def _names(job: FigureJob, paths: Sequence[str], prefix: str = "") -> list[str]:
    """params.runs (same order as `paths`), else the file names without `prefix`."""
    names = job.value("runs", None)
    if names is None:
        names = [Path(p).stem.removeprefix(prefix) for p in paths]
    names = [str(x) for x in names]
    if len(names) != len(paths):
        raise ValueError(f"{len(paths)} input files but params.runs names {len(names)} runs")
    return names


def _files(job: FigureJob, name: str) -> list[str]:
    """A named input holding several files (one file given alone counts as a list of one)."""
    value = job.inputs[name]
    if isinstance(value, str | os.PathLike):
        return [str(value)]
    return [str(f) for f in value]


def _int(job: FigureJob, name: str) -> int | None:
    """A wildcard or param as int (None when the job has neither)."""
    value = job.value(name, None)
    return None if value is None else int(value)


@dataclass(frozen=True)
class _Plane:
    """What every plane figure job reads: both grids, the paths, title and centre label."""

    cost: Landscape
    accuracy: Landscape
    paths: list[PlanePath]
    title: str
    centre: str
    directions: str | None


def _plane(job: FigureJob, require: Sequence[str] = (), why: str = "") -> _Plane:
    """inputs.grid, inputs.paths (named by params.runs) and inputs.directions' note."""
    seed, n = _int(job, "seed"), _int(job, "n")
    grid = job.inputs["grid"]
    files = _files(job, "paths")
    if not files:
        raise ValueError(f"{job.kind} needs at least one path (inputs.paths is empty)")
    paths = [
        load_path(f, run, require, why)
        for f, run in zip(files, _names(job, files, "path_"), strict=True)
    ]
    directions = job.inputs.get("directions")
    directions = None if not directions else str(directions)
    plane = job.value("plane", None)
    cost = load_plane(grid, "cost", seed, n)
    styles = resolve_options(job.options())["styles"]
    return _Plane(
        cost=cost,
        accuracy=load_plane(grid, "accuracy", seed, n),
        paths=paths,
        title=plane_title(cost, plane, plane_note(_metadata(directions))),
        centre=centre_label(plane, styles),
        directions=directions,
    )


def draw_plane_contour(job: FigureJob) -> str:
    """Contours of J and accuracy on the plane, every run's projected path on both."""
    p = _plane(job)
    png = job.outputs["png"]
    render_plane_contour(
        p.cost,
        p.accuracy,
        p.paths,
        png,
        options=job.options(),
        provenance=job.provenance(),
        title=p.title,
        centre=p.centre,
        critical=job.critical(),
    )
    return f"wrote {png} ({len(p.paths)} paths)"


def draw_plane_surfaces(job: FigureJob) -> str:
    """Surfaces of J and accuracy, paths at the snapshots' true J and true accuracy.

    The true accuracy comes from inputs.training (the runs' training files, same order as
    inputs.paths) at the snapshot epochs.
    """
    p = _plane(job)
    files = _files(job, "training")
    if len(files) != len(p.paths):
        raise ValueError(f"{len(p.paths)} paths but {len(files)} training files")
    accuracies = []
    for f, path in zip(files, p.paths, strict=True):
        accuracies.append(load_training(f, path.run).accuracy_at(path.epoch, f))
    png = job.outputs["png"]
    render_plane_surfaces(
        p.cost,
        p.accuracy,
        p.paths,
        accuracies,
        png,
        options=job.options(),
        provenance=job.provenance(),
        title=p.title,
        centre=p.centre,
    )
    return f"wrote {png} ({len(p.paths)} paths)"


def _draw_animation(job: FigureJob, render: Any) -> str:
    """A plane's descent GIF and its last frame as PNG."""
    p = _plane(job)
    gif, png = job.outputs["gif"], job.outputs["png"]
    frames = render(
        p.cost,
        [x.track() for x in p.paths],
        gif,
        png,
        options=job.options(),
        provenance=job.provenance(),
    )
    return f"wrote {gif} ({len(frames)} frames) and {png}"


def draw_plane_descent3d(job: FigureJob) -> str:
    """Every run's path growing on the plane's J surface, at the snapshots' true J."""
    return _draw_animation(job, render_plane_descent3d)


def draw_plane_descent2d(job: FigureJob) -> str:
    """Every run's path growing on the plane's contour, true J per epoch below."""
    return _draw_animation(job, render_plane_descent2d)


def draw_plane_interactive(job: FigureJob) -> str:
    """The plotly page of the plane: surface and contour with every run's path."""
    p = _plane(job)
    html = job.outputs["html"]
    title = "Plane and paths at their true J: " + p.title.replace("\n", "; ")
    frames = render_plane_interactive(
        p.cost,
        [x.track() for x in p.paths],
        html,
        options=job.options(),
        provenance=job.provenance(),
        title=job.value("title", title),
        plotly_js=plotly_url(job.inputs.get("plotly_js"), html),
    )
    return f"wrote {html} ({len(frames)} frames)"


def draw_plane_distance(job: FigureJob) -> str:
    """Each run's distance from the plane, and its true J next to J at the projected point."""
    why = (
        "plane_distance draws each snapshot's distance from the plane and J at its "
        "projection, which the plane_path job writes; rerun the plane_path job of this file"
    )
    p = _plane(job, require=("plane_cost", "distance"), why=why)
    png = job.outputs["png"]
    render_plane_distance(
        p.paths,
        png,
        in_plane=in_plane_offsets(p.directions, p.paths),
        options=job.options(),
        provenance=job.provenance(),
        title=p.title,
    )
    worst = max(float(np.nanmax(x.distance)) for x in p.paths if x.distance is not None)
    return f"wrote {png} ({len(p.paths)} paths, largest distance from the plane {worst:.4g})"


def draw_training_curves(job: FigureJob) -> str:
    """Cost and accuracy per epoch of every run of inputs.training."""
    files = _files(job, "training")
    runs = [load_training(f, run) for f, run in zip(files, _names(job, files), strict=True)]
    seed, n = _int(job, "seed"), _int(job, "n")
    bits = [] if seed is None else [f"seed {seed}"]
    bits += [] if n is None else [f"N: {n:,}"]
    png = job.outputs["png"]
    render_training_curves(
        runs,
        png,
        options=job.options(),
        provenance=job.provenance(),
        title=", ".join([*bits, "training of every weight"]),
    )
    return f"wrote {png} ({len(runs)} runs)"


def draw_line_plot(job: FigureJob) -> str:
    """J and accuracy along inputs.line; t = 0 and t = 1 named by the line's ends."""
    path = job.inputs["line"]
    frame = _read(path, ("t", "cost", "accuracy"), "line file")
    line = str(job.value("line", Path(str(path)).stem))
    styles = resolve_options(job.options())["styles"]
    try:
        ends = parse_line(line)
    except NameError_:
        ends = ("t = 0", "t = 1")
        formula = f"line {line}"
    else:
        theta = [rf"\theta_{{\mathrm{{{end}}}}}" for end in ends]
        formula = rf"line {line}: $(1 - t)\,{theta[0]} + t\,{theta[1]}$"
        ends = (end_label(ends[0], styles), end_label(ends[1], styles))
    seed, n = _int(job, "seed"), _int(job, "n")
    bits = [] if seed is None else [f"seed {seed}"]
    bits += [] if n is None else [f"N: {n:,}"]
    png = job.outputs["png"]
    render_line_plot(
        frame["t"].to_numpy(),
        frame["cost"].to_numpy(),
        frame["accuracy"].to_numpy(),
        png,
        ends=ends,
        options=job.options(),
        provenance=job.provenance(),
        title=", ".join([*bits, formula]),
    )
    return f"wrote {png} ({len(frame)} points)"
