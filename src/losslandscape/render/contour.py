"""Maps seen from above: the contour plot with trajectories, and the basin map."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io import read_metadata
from .common import (
    PathLike,
    contour_background,
    dashed_contours,
    draw_critical,
    finish_figure,
    label_axes,
    lay_out,
    mark_points,
    new_figure,
    percent,
    title_of,
    track_styles,
)
from .data import BasinMap, CriticalPoints, Landscape, Track, load_basins
from .options import resolve_options
from .output import save_figure_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .registry import FigureJob


def build_contour(
    landscape: Landscape,
    tracks: Sequence[Track],
    *,
    style: str = "starts",
    options: Mapping[str, Any] | None = None,
    title: str | None = None,
    critical: CriticalPoints | Any | None = None,
) -> Figure:
    """A filled contour plot with dashed contour lines and the full trajectories, laid out.

    `critical` (CriticalPoints or a critical-points table) adds markers by kind, in the legend.
    """
    critical = CriticalPoints.coerce(critical)
    opts = resolve_options(options)
    o = opts["contour"]
    fig = new_figure(o["figsize"], o["dpi"])
    ax = fig.add_subplot(1, 1, 1)
    contour_background(ax, landscape, o)
    label_axes(ax, landscape.label_a, landscape.label_b, o)
    for track, st in zip(tracks, track_styles(tracks, style, opts["styles"]), strict=True):
        ax.plot(
            track.w_a,
            track.w_b,
            linestyle=st.linestyle,
            linewidth=o["linewidth"],
            color=st.color,
            label=st.label,
        )
        mark_points(ax, track.w_a[:1], track.w_b[:1], size=o["marker_size"], color=st.marker_color)
    marks = draw_critical(ax, critical, opts["critical"])
    if tracks or marks:
        ax.legend(fontsize=o["legend_fontsize"], loc="upper right")
    ax.set_title(title_of(landscape) if title is None else title, fontsize=o["title_fontsize"])
    return lay_out(fig)


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
    fig = build_contour(
        landscape, tracks, style=style, options=options, title=title, critical=critical
    )
    save_figure_png(fig, png_path, provenance)


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


def render_basin_map(
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
    o = opts["basin_map"]
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
        dashed_contours(ax, landscape, int(o["line_levels"]), 0.8, alpha=float(o["line_alpha"]))
    marks = draw_critical(ax, critical, opts["critical"])
    total = max(code.size, 1)
    shares: dict[str, float] = {}
    handles: list[Any] = []
    if critical is not None:
        for row in critical.indices("minimum"):
            share = float(np.sum(code == row)) / total
            shares[f"minimum {row}"] = share
            label = f"minimum {row}: J = {critical.cost[row]:.6g}, {percent(share)} of starts"
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
            label=f"no minimum reached: {percent(shares['none'])}",
        )
    )
    if shares["diverged"] > 0:
        handles.append(
            Patch(
                facecolor=to_rgb(o["diverged_color"]),
                edgecolor="black",
                label=f"diverged: {percent(shares['diverged'])}",
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
    label_axes(ax, label_a, label_b, o)
    if title is None:
        title = what if landscape is None else title_of(landscape, what)
    ax.set_title(title, fontsize=o["title_fontsize"])
    finish_figure(fig, png_path, provenance)
    return shares


# ---------------------------------------------------------------------- figure jobs
def draw_contour(job: FigureJob) -> str:
    """inputs.trajectories over inputs.grid, critical points marked; params.style."""
    style = str(job.value("style", "starts"))
    png = job.outputs["png"]
    render_contour(
        job.landscape(), job.tracks(style), png, style=style, options=job.options(),
        critical=job.critical(), provenance=job.provenance(),
    )  # fmt: skip
    return f"wrote {png}"


def draw_basin_map(job: FigureJob) -> str:
    """inputs.basins coloured by minimum, over inputs.grid's contour lines when given."""
    meta = read_metadata(job.inputs["basins"])
    landscape = job.landscape() if job.inputs.get("grid") else None
    optimizer = str(job.value("optimizer", meta.get("optimizer", "")))
    options = job.options()
    name = options.get("styles", {}).get("optimizer_labels", {}).get(optimizer, optimizer)
    png = job.outputs["png"]
    shares = render_basin_map(
        load_basins(job.inputs["basins"]), png, landscape=landscape, critical=job.critical(),
        options=options, provenance=job.provenance(),
        what=f"basins of {name}, {meta['epochs']:,} epochs",
    )  # fmt: skip
    return f"wrote {png}; shares of starts: {shares}"
