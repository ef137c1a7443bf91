"""Whole-network figures: planes through all weights, with the runs' projected paths.

A plane theta(alpha, beta) = centre + alpha d1 + beta d2 (results/planes/{seed}/{n}/{plane}/) is
drawn with the two-weight renderers: its grid is a `Landscape` over (alpha, beta) (z = J, or the
accuracy for accuracy panels) and a run's projected path a `Track` over (alpha, beta) whose cost
is the TRUE J of the snapshot, not J at the projected point. Where a path leaves the surface the
snapshot lies off the plane; plane_distance shows by how much. The centre is alpha = beta = 0.

Kinds (each `draw_{name}(job)`, options section `name`): plane_contour, plane_surfaces,
plane_descent3d, plane_descent2d, plane_interactive, plane_distance (inputs grid, paths,
directions; plane_surfaces also training). Runs are named by params.runs (the paths' order),
else by their file names. Training curves and line plots are in curves.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..landscape.directions import INIT, parse_plane
from ..network.names import NameError_
from .animation import animate
from .common import (
    PathLike,
    TrackStyle,
    contour_background,
    draw_critical,
    draw_surface,
    end_label,
    finish_figure,
    grid_axes,
    label_axes,
    lay_out,
    new_figure,
    percent,
    run_styles,
    seed_n_title,
    style_3d_axes,
)
from .data import (
    CriticalPoints,
    Landscape,
    PlanePath,
    Track,
    load_direction_vectors,
    load_path,
    load_plane,
    load_training,
    metadata_of,
)
from .interactive import plotly_url, render_interactive
from .options import resolve_options
from .output import save_figure_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .registry import FigureJob


# ---------------------------------------------------------------------- what the figures show
def in_plane_offsets(
    vectors: tuple[np.ndarray, np.ndarray] | None, paths: Sequence[PlanePath]
) -> list[Any]:
    """|alpha d1 + beta d2| of every snapshot (its offset from the centre within the plane),
    `vectors` = (d1, d2). None per path without them (no directions file, or no d1 and d2).
    """
    if vectors is None:
        return [None] * len(paths)
    d1, d2 = vectors
    g11, g12, g22 = float(d1 @ d1), float(d1 @ d2), float(d2 @ d2)
    out = []
    for p in paths:
        sq = p.alpha**2 * g11 + 2 * p.alpha * p.beta * g12 + p.beta**2 * g22
        out.append(np.sqrt(np.maximum(sq, 0.0)))
    return out


def plane_note(meta: Mapping[str, Any]) -> str:
    """What a directions file says about its two directions (PCA or Hessian), else ''."""
    ratios = meta.get("explained_variance_ratio")
    if ratios:
        shares = ", ".join(f"d{i + 1} {percent(float(r))}" for i, r in enumerate(ratios[:2]))
        return f"PCA explained variance: {shares}"
    values = meta.get("eigenvalues")
    if values:
        shown = ", ".join(f"d{i + 1} {float(v):.4g}" for i, v in enumerate(values[:2]))
        return f"Hessian eigenvalues: {shown}"
    return ""


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
    """'seed S, N: n, plane P' (seed and N of `land`) and the directions' note on a 2nd line."""
    return plane_heading(land.seed, land.n, plane, note)


def plane_heading(seed: int | None, n: int | None, plane: str | None, note: str = "") -> str:
    """'seed S, N: n, plane P' and the directions' note on a second line."""
    title = seed_n_title(seed, n, f"plane {plane}" if plane else "")
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


# ---------------------------------------------------------------------- renderers
def _contour_panel(
    fig: Any, ax: Any, land: Landscape, o: Mapping[str, Any], cmap: str, label: str
) -> None:
    """Dashed contour lines and filled contours of `land` (contour_background), colour bar."""
    from matplotlib.contour import ContourSet

    contour_background(ax, land, {**o, "cmap": cmap})
    label_axes(ax, land.label_a, land.label_b, o)
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


def build_plane_contour(
    cost: Landscape,
    accuracy: Landscape,
    paths: Sequence[PlanePath],
    *,
    options: Mapping[str, Any] | None = None,
    title: str = "",
    centre: str = "centre",
    critical: CriticalPoints | None = None,
) -> Figure:
    """Filled contours of J and of the accuracy side by side, every run's path on both.

    `critical`, the plane's critical points (analysis.planes), are marked on the cost panel by
    kind (options section `critical`). Returns the figure laid out.
    """
    opts = resolve_options(options)
    o = opts["plane_contour"]
    styles = run_styles(paths, opts["styles"])
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
    return lay_out(fig, title, o["title_fontsize"])


def render_plane_contour(
    cost: Landscape,
    accuracy: Landscape,
    paths: Sequence[PlanePath],
    png_path: PathLike,
    *,
    provenance: str = "",
    **kw: Any,
) -> None:
    """Write build_plane_contour's figure; keywords as its (options, title, centre, critical)."""
    save_figure_png(build_plane_contour(cost, accuracy, paths, **kw), png_path, provenance)


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
    styles = run_styles(paths, opts["styles"])
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
    finish_figure(fig, png_path, provenance, title, o["title_fontsize"])


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


def render_plane_descent(
    scene: str,
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Every run's path growing on the plane as GIF + last frame (one frame per snapshot).

    Scene "3d": on the J surface, paths at their true J; "2d": on the contour, true J per epoch
    below.
    """
    kind = f"plane_descent{scene}"
    opts = snapshot_options(options, kind, landscape, tracks, zlim=scene == "3d")
    return animate(
        landscape,
        tracks,
        gif_path,
        png_path,
        scene=scene,
        kind=kind,
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


def build_plane_distance(
    paths: Sequence[PlanePath],
    *,
    in_plane: Sequence[np.ndarray | None] | None = None,
    options: Mapping[str, Any] | None = None,
    title: str = "",
) -> Figure:
    """Per epoch: each snapshot's distance from the plane (top); true J and J at the projection.

    `in_plane` (per path, optional): the snapshot's offset from the centre within the plane,
    drawn dotted in the top panel as the distance's scale. Returns the figure laid out.
    """
    for p in paths:
        if p.distance is None or p.plane_cost is None:
            raise ValueError(f"path of run {p.run} lacks distance or plane_cost")
    opts = resolve_options(options)
    o = opts["plane_distance"]
    styles = run_styles(paths, opts["styles"])
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
        grid_axes(ax, o)
    return lay_out(fig, title, o["title_fontsize"])


def render_plane_distance(
    paths: Sequence[PlanePath], png_path: PathLike, *, provenance: str = "", **kw: Any
) -> None:
    """Write build_plane_distance's figure; keywords as its (in_plane, options, title)."""
    save_figure_png(build_plane_distance(paths, **kw), png_path, provenance)


# ---------------------------------------------------------------------- figure jobs


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
    seed, n = job.int_value("seed"), job.int_value("n")
    grid = job.inputs["grid"]
    files = job.files("paths")
    if not files:
        raise ValueError(f"{job.kind} needs at least one path (inputs.paths is empty)")
    paths = [
        load_path(f, run, require, why)
        for f, run in zip(files, job.run_names(files, "path_"), strict=True)
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
        title=plane_title(cost, plane, plane_note(metadata_of(directions))),
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
    files = job.files("training")
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


def _draw_animation(job: FigureJob, scene: str) -> str:
    """A plane's descent GIF (scene "3d" or "2d") and its last frame as PNG."""
    p = _plane(job)
    gif, png = job.outputs["gif"], job.outputs["png"]
    frames = render_plane_descent(
        scene,
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
    return _draw_animation(job, "3d")


def draw_plane_descent2d(job: FigureJob) -> str:
    """Every run's path growing on the plane's contour, true J per epoch below."""
    return _draw_animation(job, "2d")


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
    vectors = None if p.directions is None else load_direction_vectors(p.directions)
    png = job.outputs["png"]
    render_plane_distance(
        p.paths,
        png,
        in_plane=in_plane_offsets(vectors, p.paths),
        options=job.options(),
        provenance=job.provenance(),
        title=p.title,
    )
    worst = max(float(np.nanmax(x.distance)) for x in p.paths if x.distance is not None)
    return f"wrote {png} ({len(p.paths)} paths, largest distance from the plane {worst:.4g})"
