"""Matplotlib figures: surfaces, contour, descent and comparison GIFs, rotating landscape.

The animations draw the static part (surface or contours, axes, labels) once, keep a copy of
those pixels and, per frame, restore them and draw only the moving artists (paths, markers,
the "epochs: k" legend) on top. Frames are handed to a PillowWriter as ready pixels, so no
frame redraws the surface; the seeds' way (celluloid) re-renders the whole 3D surface for
every frame.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .data import (
    CRITICAL_KINDS,
    BasinMap,
    CriticalPoints,
    Landscape,
    Track,
    last_epoch,
    start_label,
)
from .options import resolve_options, select_frames
from .output import canvas_rgb, save_figure_png, write_gif

PathLike = str | os.PathLike[str]
STYLES = ("starts", "optimizers")


@dataclass(frozen=True)
class TrackStyle:
    """How one trajectory is drawn."""

    color: str
    marker_color: str
    linestyle: str
    label: str


def track_styles(
    tracks: Sequence[Track], style: str, styles: Mapping[str, Any]
) -> list[TrackStyle]:
    """Return one TrackStyle per track: the article's black line styles or optimizer colours."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    out: list[TrackStyle] = []
    fallback = list(styles["fallback_colors"])
    unknown = 0
    for i, track in enumerate(tracks):
        if style == "starts":
            linestyles = list(styles["start_linestyles"])
            color = str(styles["start_color"])
            label = track.label or start_label(track.name)
            out.append(TrackStyle(color, color, linestyles[i % len(linestyles)], label))
            continue
        colors = styles["optimizer_colors"].get(track.name)
        if colors is None:
            color = fallback[unknown % len(fallback)]
            unknown += 1
            colors = [color, color]
        label = styles["optimizer_labels"].get(track.name, track.label or track.name)
        out.append(TrackStyle(str(colors[0]), str(colors[-1]), "solid", str(label)))
    return out


def new_figure(figsize: Sequence[float], dpi: float) -> Figure:
    """Return a pyplot-free figure with an Agg canvas."""
    fig = Figure(figsize=(float(figsize[0]), float(figsize[1])), dpi=float(dpi))
    FigureCanvasAgg(fig)
    return fig


def _loc(value: Any) -> Any:
    """Return a matplotlib legend location (lists become tuples)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _style_3d_axes(ax: Any, land: Landscape, o: Mapping[str, Any], zlabel: str = "costs") -> None:
    """Apply the seeds' 3D axis labels, paddings and tick sizes."""
    pad = o["labelpad"]
    tickpad = o["tickpad"]
    ax.set_xlabel(land.label_a, fontsize=o["label_fontsize"], labelpad=pad[0])
    ax.set_ylabel(land.label_b, fontsize=o["label_fontsize"], labelpad=pad[1])
    ax.set_zlabel(zlabel, fontsize=o["label_fontsize"], labelpad=pad[2])
    for axis, p in zip("xyz", tickpad, strict=True):
        ax.tick_params(axis=axis, pad=p, which="major", labelsize=o["tick_labelsize"])


def _surface(ax: Any, land: Landscape, o: Mapping[str, Any], **kwargs: Any) -> None:
    """Draw the landscape surface as the seeds do (terrain, stride 1, alpha 0.75)."""
    mesh_a, mesh_b = land.mesh
    ax.plot_surface(
        mesh_a,
        mesh_b,
        land.z,
        cmap=o["cmap"],
        antialiased=True,
        rstride=1,
        cstride=1,
        alpha=o["alpha"],
        **kwargs,
    )
    ax.set_xlim(float(land.a.min()), float(land.a.max()))
    ax.set_ylim(float(land.b.min()), float(land.b.max()))


def _title(land: Landscape, extra: str = "") -> str:
    """Return 'seed S, N: n' (and extra) for titles."""
    parts = []
    if land.seed is not None:
        parts.append(f"seed {land.seed}")
    if land.n is not None:
        parts.append(f"N: {land.n:,}")
    if extra:
        parts.append(extra)
    return ", ".join(parts)


def render_surfaces(
    landscapes: Sequence[Landscape],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> None:
    """Write 3D surface panels side by side, one per landscape (article Fig. 3)."""
    if not landscapes:
        raise ValueError("render_surfaces needs at least one landscape")
    o = resolve_options(options)["surfaces"]
    count = len(landscapes)
    width, height = o["panel_size"]
    fig = new_figure((width * count, height), o["dpi"])
    azims = list(o["azims"]) or [-20.0]
    for i, land in enumerate(landscapes):
        ax = fig.add_subplot(1, count, i + 1, projection="3d")
        ax.view_init(elev=o["elev"], azim=azims[i % len(azims)])
        _style_3d_axes(ax, land, o)
        ax.set_title(_title(land), y=0.85, fontsize=o["title_fontsize"])
        _surface(ax, land, o)
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


def render_contact_sheet(
    landscapes: Sequence[Landscape],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str = "",
) -> None:
    """Write a contact sheet of small surfaces, one per landscape (the article's seed sweep)."""
    if not landscapes:
        raise ValueError("render_contact_sheet needs at least one landscape")
    o = resolve_options(options)["gallery"]
    cols = max(1, min(int(o["columns"]), len(landscapes)))
    rows = -(-len(landscapes) // cols)
    width, height = o["panel_size"]
    fig = new_figure((width * cols, height * rows + 0.6), o["dpi"])
    for i, land in enumerate(landscapes):
        ax = fig.add_subplot(rows, cols, i + 1, projection="3d")
        ax.view_init(elev=o["elev"], azim=o["azim"])
        ax.tick_params(labelsize=o["tick_labelsize"], pad=0)
        ax.set_title(_title(land), fontsize=o["title_fontsize"], y=0.95)
        _surface(ax, land, o)
    if title:
        fig.suptitle(title, fontsize=o["suptitle_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


def _contour_background(ax: Any, land: Landscape, o: Mapping[str, Any]) -> None:
    """Draw dashed black contour lines and filled contours as the seeds do."""
    mesh_a, mesh_b = land.mesh
    ax.contour(
        mesh_a,
        mesh_b,
        land.z,
        int(o["line_levels"]),
        colors="black",
        linestyles="dashed",
        linewidths=1,
    )
    fill_args = [] if o["fill_levels"] is None else [int(o["fill_levels"])]
    ax.contourf(mesh_a, mesh_b, land.z, *fill_args, alpha=o["fill_alpha"], cmap=o["cmap"])
    ax.set_xlim(float(land.a.min()), float(land.a.max()))
    ax.set_ylim(float(land.b.min()), float(land.b.max()))


def _draw_critical(
    ax: Any, critical: CriticalPoints | None, o: Mapping[str, Any], zorder: float = 5
) -> list[Any]:
    """Mark the critical points by kind (options section `critical`); return legend handles."""
    handles: list[Any] = []
    if critical is None or not o["show"]:
        return handles
    for kind in CRITICAL_KINDS:
        idx = critical.indices(kind)
        if idx.size == 0:
            continue
        st = o["kinds"][kind]
        (handle,) = ax.plot(
            critical.w_a[idx],
            critical.w_b[idx],
            linestyle="none",
            marker=st["marker"],
            markersize=float(o["marker_size"]),
            markerfacecolor=st["color"],
            markeredgecolor=o["edge_color"],
            markeredgewidth=float(o["edge_width"]),
            zorder=zorder,
            label=str(st["label"]),
        )
        handles.append(handle)
    return handles


def render_contour(
    landscape: Landscape,
    tracks: Sequence[Track],
    png_path: PathLike,
    *,
    style: str = "starts",
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str | None = None,
    critical: CriticalPoints | Any | None = None,
) -> None:
    """Write a filled contour plot with dashed contour lines and the full trajectories.

    `critical` (CriticalPoints or a critical-points table) adds markers by kind, in the legend.
    """
    critical = CriticalPoints.coerce(critical)
    opts = resolve_options(options)
    o = opts["contour"]
    fig = new_figure(o["figsize"], o["dpi"])
    ax = fig.add_subplot(1, 1, 1)
    _contour_background(ax, landscape, o)
    ax.set_xlabel(landscape.label_a, fontsize=o["label_fontsize"])
    ax.set_ylabel(landscape.label_b, fontsize=o["label_fontsize"])
    ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    for track, st in zip(tracks, track_styles(tracks, style, opts["styles"]), strict=True):
        ax.plot(
            track.w_a,
            track.w_b,
            linestyle=st.linestyle,
            linewidth=o["linewidth"],
            color=st.color,
            label=st.label,
        )
        ax.plot(
            track.w_a[:1],
            track.w_b[:1],
            marker="o",
            markersize=o["marker_size"],
            color=st.marker_color,
            linestyle="none",
        )
    marks = _draw_critical(ax, critical, opts["critical"])
    if tracks or marks:
        ax.legend(fontsize=o["legend_fontsize"], loc="upper right")
    ax.set_title(_title(landscape) if title is None else title, fontsize=o["title_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)


def _percent(share: float) -> str:
    """A share as a percentage with three significant digits: 0.04%, 12.3%, 100%."""
    return f"{100 * share:.3g}%"


def basin_colors(
    critical: CriticalPoints | None, o: Mapping[str, Any]
) -> dict[int, tuple[float, float, float]]:
    """RGB of every minimum (row number -> colour, row order through the colormap), -1 none."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, to_rgb

    out: dict[int, tuple[float, float, float]] = {-1: to_rgb(o["none_color"])}
    if critical is None:
        return out
    cmap = colormaps[str(o["minimum_cmap"])]
    rows = critical.indices("minimum")
    for rank, row in enumerate(rows):
        if isinstance(cmap, ListedColormap):
            rgba = cmap(rank % cmap.N)
        else:
            rgba = cmap(rank / max(len(rows) - 1, 1))
        out[int(row)] = tuple(float(c) for c in rgba[:3])  # type: ignore[assignment]
    return out


def render_basins(
    basin: BasinMap,
    png_path: PathLike,
    *,
    landscape: Landscape | None = None,
    critical: CriticalPoints | Any | None = None,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str | None = None,
    what: str = "basins of attraction",
) -> dict[str, float]:
    """Write the basin map: each start coloured by the minimum it reached.

    The title is `title`, else 'seed S, N: n, <what>' (`what` alone without a landscape).

    Starts that reached no minimum take `none_color`, diverged ones `diverged_color`; the
    landscape's dashed contour lines and the critical points (by kind, minima numbered by
    their row in the critical-points table) are drawn on top. Returns the share of starts of
    each legend entry ("minimum k", "none", "diverged").
    """
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    critical = CriticalPoints.coerce(critical)
    opts = resolve_options(options)
    o = opts["basins"]
    colors = basin_colors(critical, o)
    code = np.where(basin.diverged, -2, basin.minimum)
    rgb = np.empty((*code.shape, 3))
    rgb[:] = colors[-1]  # a minimum label the table does not have counts as none
    for label, color in colors.items():
        rgb[code == label] = color
    rgb[code == -2] = to_rgb(o["diverged_color"])
    fig = new_figure(o["figsize"], o["dpi"])
    ax = fig.add_subplot(1, 1, 1)

    def edges(x: np.ndarray) -> tuple[float, float]:
        half = (x[1] - x[0]) / 2 if x.shape[0] > 1 else 0.5
        return float(x[0] - half), float(x[-1] + half)

    ea, eb = edges(basin.a), edges(basin.b)
    ax.imshow(
        rgb,
        origin="lower",
        extent=(ea[0], ea[1], eb[0], eb[1]),
        aspect="auto",
        interpolation="nearest",
    )
    if landscape is not None and int(o["line_levels"]) > 0:
        mesh_a, mesh_b = landscape.mesh
        ax.contour(
            mesh_a,
            mesh_b,
            landscape.z,
            int(o["line_levels"]),
            colors="black",
            linestyles="dashed",
            linewidths=0.8,
            alpha=float(o["line_alpha"]),
        )
    marks = _draw_critical(ax, critical, opts["critical"])
    total = max(code.size, 1)
    shares: dict[str, float] = {}
    handles: list[Any] = []
    if critical is not None:
        for row in critical.indices("minimum"):
            share = float(np.sum(code == row)) / total
            shares[f"minimum {row}"] = share
            label = f"minimum {row}: J = {critical.cost[row]:.6g}, {_percent(share)} of starts"
            handles.append(Patch(facecolor=colors[int(row)], edgecolor="black", label=label))
            if o["annotate_minima"] and opts["critical"]["show"]:
                ax.annotate(
                    str(row),
                    (critical.w_a[row], critical.w_b[row]),
                    xytext=(7, 7),
                    textcoords="offset points",
                    fontsize=o["legend_fontsize"],
                    fontweight="bold",
                )
    known = set(colors) - {-1}
    shares["none"] = float(np.sum((code >= -1) & ~np.isin(code, list(known)))) / total
    shares["diverged"] = float(np.sum(code == -2)) / total
    handles.append(
        Patch(
            facecolor=colors[-1],
            edgecolor="black",
            label=f"no minimum reached: {_percent(shares['none'])}",
        )
    )
    if shares["diverged"] > 0:
        handles.append(
            Patch(
                facecolor=to_rgb(o["diverged_color"]),
                edgecolor="black",
                label=f"diverged: {_percent(shares['diverged'])}",
            )
        )
    ax.legend(
        handles=handles + marks,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
        fontsize=o["legend_fontsize"],
    )
    ax.set_xlim(*ea)
    ax.set_ylim(*eb)
    label_a = landscape.label_a if landscape is not None else "$w_a$"
    label_b = landscape.label_b if landscape is not None else "$w_b$"
    ax.set_xlabel(label_a, fontsize=o["label_fontsize"])
    ax.set_ylabel(label_b, fontsize=o["label_fontsize"])
    ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    if title is None:
        title = what if landscape is None else _title(landscape, what)
    ax.set_title(title, fontsize=o["title_fontsize"])
    fig.tight_layout()
    save_figure_png(fig, png_path, provenance)
    return shares


class _Blitter:
    """Draw the static figure once; per frame restore it and draw only animated artists."""

    def __init__(self, fig: Figure, animated: Sequence[Any]) -> None:
        """Render the static background (animated artists excluded) and keep its pixels."""
        self.fig = fig
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        canvas = fig.canvas
        canvas.draw()
        self.background = canvas.copy_from_bbox(fig.bbox)  # type: ignore[attr-defined]

    def frame(self) -> np.ndarray:
        """Return the pixels of background + animated artists in their current state."""
        canvas = self.fig.canvas
        canvas.restore_region(self.background)  # type: ignore[attr-defined]
        renderer = canvas.get_renderer()  # type: ignore[attr-defined]
        for artist in self.animated:
            artist.draw(renderer)
        return canvas_rgb(self.fig)


def _epoch_legend(ax: Any, styles: Sequence[TrackStyle], o: Mapping[str, Any], lw: float) -> Any:
    """Return a legend titled 'epochs: 0' with one entry per trajectory."""
    handles = [
        Line2D([], [], color=st.color, linestyle=st.linestyle, linewidth=lw) for st in styles
    ]
    return ax.legend(
        handles,
        [st.label for st in styles],
        loc=_loc(o["legend_loc"]),
        fontsize=o["legend_fontsize"],
        title="epochs: 0",
        title_fontsize=o["legend_fontsize"],
    )


def _check_tracks(tracks: Sequence[Track]) -> None:
    """Refuse to animate nothing."""
    if not tracks:
        raise ValueError("an animation needs at least one trajectory")


def _animate_3d(
    land: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    kind: str,
    style: str,
    options: Mapping[str, Any] | None,
    provenance: str,
) -> list[int]:
    """Shared body of the 3D descent and comparison GIFs; returns the frame epochs."""
    _check_tracks(tracks)
    opts = resolve_options(options)
    o = opts[kind]
    styles = track_styles(tracks, style, opts["styles"])
    frames = select_frames(o["frames"], last_epoch(tracks))
    fig = new_figure(o["figsize"], o["dpi"])
    ax = fig.add_subplot(111, projection="3d", computed_zorder=False)
    ax.view_init(elev=o["elev"], azim=o["azim"])
    _style_3d_axes(ax, land, o)
    _surface(ax, land, o, zorder=1)
    ax.set_zlim(*(land.zrange if o["zlim"] is None else (o["zlim"][0], o["zlim"][1])))
    lw = float(o["linewidth"])
    moving: list[tuple[Track, Any, Any]] = []
    animated: list[Any] = []
    for track, st in zip(tracks, styles, strict=True):
        (start,) = ax.plot(
            track.w_a[:1],
            track.w_b[:1],
            track.cost[:1],
            marker="o",
            markersize=o["start_marker_size"],
            color=st.marker_color,
            linestyle="none",
            axlim_clip=True,
            zorder=3,
        )
        (line,) = ax.plot(
            [], [], [], linestyle=st.linestyle, linewidth=lw, color=st.color, axlim_clip=True
        )
        (head,) = ax.plot(
            [],
            [],
            [],
            marker="o",
            markersize=o["marker_size"],
            color=st.marker_color,
            linestyle="none",
            axlim_clip=True,
        )
        moving.append((track, line, head))
        animated += [start, line, head]
    legend = _epoch_legend(ax, styles, o, lw)
    animated.append(legend)
    fig.tight_layout()
    blitter = _Blitter(fig, animated)

    def render_frame(i: int) -> np.ndarray:
        epoch = frames[i]
        for track, line, head in moving:
            k = track.upto(epoch)
            line.set_data_3d(track.w_a[:k], track.w_b[:k], track.cost[:k])
            head.set_data_3d(track.w_a[k - 1 : k], track.w_b[k - 1 : k], track.cost[k - 1 : k])
        legend.set_title(f"epochs: {epoch}")
        return blitter.frame()

    write_gif(
        fig,
        gif_path,
        png_path,
        render_frame,
        len(frames),
        fps=float(o["fps"]),
        loop=int(o["loop"]),
        provenance=provenance,
    )
    return frames


def _loss_limits(tracks: Sequence[Track], until: int) -> tuple[float, float]:
    """Return padded y-limits covering every finite cost up to epoch ``until``."""
    values = [t.cost[: t.upto(until)] for t in tracks]
    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi) * 0.05, 0.5)
    return lo - pad, hi + pad


def _animate_2d(
    land: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    kind: str,
    style: str,
    options: Mapping[str, Any] | None,
    provenance: str,
) -> list[int]:
    """Shared body of the 2D descent and comparison GIFs; returns the frame epochs."""
    _check_tracks(tracks)
    opts = resolve_options(options)
    o = opts[kind]
    styles = track_styles(tracks, style, opts["styles"])
    frames = select_frames(o["frames"], last_epoch(tracks))
    fig = new_figure(o["figsize"], o["dpi"])
    ax0 = fig.add_subplot(2, 1, 1)
    ax1 = fig.add_subplot(2, 1, 2)
    ax0.set_xlabel(land.label_a, fontsize=o["label_fontsize"], labelpad=0)
    ax0.set_ylabel(land.label_b, fontsize=o["label_fontsize"])
    ax0.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    ax1.set_xlabel("epochs", fontsize=o["loss_label_fontsize"], labelpad=5)
    ax1.set_ylabel("costs", fontsize=o["label_fontsize"], labelpad=7)
    ax1.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    _contour_background(ax0, land, o)
    ax1.set_xlim(0, max(frames[-1], 1))
    ax1.set_ylim(*_loss_limits(tracks, frames[-1]))
    lw = float(o["linewidth"])
    moving: list[tuple[Track, Any, Any, Any]] = []
    animated: list[Any] = []
    for track, st in zip(tracks, styles, strict=True):
        ax0.plot(
            track.w_a[:1],
            track.w_b[:1],
            marker="o",
            markersize=o["marker_size"] * 0.6,
            color=st.marker_color,
            linestyle="none",
        )
        (line,) = ax0.plot([], [], linestyle=st.linestyle, linewidth=lw, color=st.color)
        (head,) = ax0.plot(
            [],
            [],
            marker="o",
            markersize=o["marker_size"],
            color=st.marker_color,
            linestyle="none",
        )
        (loss,) = ax1.plot([], [], linestyle=st.linestyle, linewidth=lw, color=st.color)
        moving.append((track, line, head, loss))
        animated += [line, head, loss]
    legend = _epoch_legend(ax0, styles, o, lw)
    animated.append(legend)
    fig.tight_layout()
    blitter = _Blitter(fig, animated)

    def render_frame(i: int) -> np.ndarray:
        epoch = frames[i]
        for track, line, head, loss in moving:
            k = track.upto(epoch)
            line.set_data(track.w_a[:k], track.w_b[:k])
            head.set_data(track.w_a[k - 1 : k], track.w_b[k - 1 : k])
            loss.set_data(track.epoch[:k], track.cost[:k])
        legend.set_title(f"epochs: {epoch}")
        return blitter.frame()

    write_gif(
        fig,
        gif_path,
        png_path,
        render_frame,
        len(frames),
        fps=float(o["fps"]),
        loop=int(o["loop"]),
        provenance=provenance,
    )
    return frames


def render_descent_3d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    style: str = "starts",
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Write the 3D gradient-descent GIF (article Fig. 5) and its last frame as PNG."""
    return _animate_3d(
        landscape,
        tracks,
        gif_path,
        png_path,
        kind="descent_3d",
        style=style,
        options=options,
        provenance=provenance,
    )


def render_descent_2d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    style: str = "starts",
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Write the contour + loss-graph GIF (article Fig. 6) and its last frame as PNG."""
    return _animate_2d(
        landscape,
        tracks,
        gif_path,
        png_path,
        kind="descent_2d",
        style=style,
        options=options,
        provenance=provenance,
    )


def render_compare_3d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Write the optimizer-comparison 3D GIF (one colour per optimizer, Track.name = optimizer)."""
    return _animate_3d(
        landscape,
        tracks,
        gif_path,
        png_path,
        kind="compare_3d",
        style="optimizers",
        options=options,
        provenance=provenance,
    )


def render_compare_2d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Write the optimizer-comparison contour + loss GIF and its last frame as PNG."""
    return _animate_2d(
        landscape,
        tracks,
        gif_path,
        png_path,
        kind="compare_2d",
        style="optimizers",
        options=options,
        provenance=provenance,
    )


def rotation_azimuths(options: Mapping[str, Any] | None = None) -> list[float]:
    """Return the azimuth of every frame of the rotating-landscape GIF."""
    o = resolve_options(options)["rotation"]
    n = int(o["n_frames"])
    if n < 1:
        raise ValueError("rotation.n_frames must be at least 1")
    return [float(o["azim_start"]) + float(o["degrees"]) * i / n for i in range(n)]


def render_rotation(
    landscape: Landscape,
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str | None = None,
) -> list[float]:
    """Write the landscape turning in azimuth as GIF (article Fig. 7/8) and its last frame."""
    o = resolve_options(options)["rotation"]
    azims = rotation_azimuths(options)
    fig = new_figure(o["figsize"], o["dpi"])
    ax = fig.add_subplot(111, projection="3d")
    _style_3d_axes(ax, landscape, o)
    _surface(ax, landscape, o)
    ax.set_zlim(*landscape.zrange)
    if title is None:
        title = _title(landscape, f"{landscape.label_a}, {landscape.label_b}")
    ax.set_title(title, fontsize=o["title_fontsize"])
    ax.view_init(elev=o["elev"], azim=azims[0])
    fig.tight_layout()

    def render_frame(i: int) -> np.ndarray:
        ax.view_init(elev=o["elev"], azim=azims[i])
        fig.canvas.draw()
        return canvas_rgb(fig)

    write_gif(
        fig,
        gif_path,
        png_path,
        render_frame,
        len(azims),
        fps=float(o["fps"]),
        loop=int(o["loop"]),
        provenance=provenance,
    )
    return azims
