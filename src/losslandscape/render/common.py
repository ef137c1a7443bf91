"""What every matplotlib figure shares: trajectory styles, the figure, axes, surface, contours.

Figures are drawn without pyplot on an Agg canvas, so rendering never depends on a display or
on global state.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..landscape.directions import INIT
from .data import CRITICAL_KINDS, CriticalPoints, Landscape, Track, start_label
from .output import save_figure_png

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


def legend_loc(value: Any) -> Any:
    """Return a matplotlib legend location (lists become tuples)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def style_3d_axes(ax: Any, land: Landscape, o: Mapping[str, Any], zlabel: str = "costs") -> None:
    """Apply the source documents' 3D axis labels, paddings and tick sizes."""
    pad = o["labelpad"]
    tickpad = o["tickpad"]
    ax.set_xlabel(land.label_a, fontsize=o["label_fontsize"], labelpad=pad[0])
    ax.set_ylabel(land.label_b, fontsize=o["label_fontsize"], labelpad=pad[1])
    ax.set_zlabel(zlabel, fontsize=o["label_fontsize"], labelpad=pad[2])
    for axis, p in zip("xyz", tickpad, strict=True):
        ax.tick_params(axis=axis, pad=p, which="major", labelsize=o["tick_labelsize"])


def draw_surface(ax: Any, land: Landscape, o: Mapping[str, Any], **kwargs: Any) -> None:
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


def percent(share: float) -> str:
    """A share as a percentage with three significant digits: 0.04%, 12.3%, 100%."""
    return f"{100 * share:.3g}%"


def seed_n_title(seed: int | None, n: int | None, extra: str = "") -> str:
    """Return 'seed S, N: n' (and extra; each part left out when None or empty) for titles."""
    parts = []
    if seed is not None:
        parts.append(f"seed {seed}")
    if n is not None:
        parts.append(f"N: {n:,}")
    if extra:
        parts.append(extra)
    return ", ".join(parts)


def title_of(land: Landscape, extra: str = "") -> str:
    """Return 'seed S, N: n' (and extra) of a landscape for titles."""
    return seed_n_title(land.seed, land.n, extra)


def label_axes(ax: Any, label_a: str, label_b: str, o: Mapping[str, Any]) -> None:
    """Label a 2D map's axes and size its tick labels (options label_fontsize, tick_labelsize)."""
    ax.set_xlabel(label_a, fontsize=o["label_fontsize"])
    ax.set_ylabel(label_b, fontsize=o["label_fontsize"])
    ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])


def grid_axes(ax: Any, o: Mapping[str, Any]) -> None:
    """Size a curve panel's tick labels and draw its light grid (the curves' common look)."""
    ax.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    ax.grid(True, alpha=0.3)


def mark_points(ax: Any, *coords: Any, size: float, color: str, **kwargs: Any) -> list[Any]:
    """Plot round markers without a line (starts, current points); returns ax.plot's lines."""
    return ax.plot(*coords, marker="o", markersize=size, color=color, linestyle="none", **kwargs)


def lay_out(fig: Figure, title: str = "", fontsize: Any = None) -> Figure:
    """Add `title` as the figure's suptitle (when given) and lay the figure out; returns it.

    A figure laid out so is what a kind's PNG holds: save it with `output.save_figure_png`.
    """
    if title:
        fig.suptitle(title, fontsize=fontsize)
    fig.tight_layout()
    return fig


def finish_figure(
    fig: Figure, png_path: PathLike, provenance: str, title: str = "", fontsize: Any = None
) -> None:
    """Add `title` as the figure's suptitle (when given), lay it out and save it as PNG."""
    save_figure_png(lay_out(fig, title, fontsize), png_path, provenance)


def dashed_contours(
    ax: Any, land: Landscape, levels: int, linewidths: float, **kwargs: Any
) -> None:
    """Draw `levels` dashed black contour lines of the landscape (the seeds' contour lines)."""
    mesh_a, mesh_b = land.mesh
    ax.contour(
        mesh_a,
        mesh_b,
        land.z,
        levels,
        colors="black",
        linestyles="dashed",
        linewidths=linewidths,
        **kwargs,
    )


def contour_background(ax: Any, land: Landscape, o: Mapping[str, Any]) -> None:
    """Draw dashed black contour lines and filled contours as the seeds do."""
    dashed_contours(ax, land, int(o["line_levels"]), 1)
    mesh_a, mesh_b = land.mesh
    fill_args = [] if o["fill_levels"] is None else [int(o["fill_levels"])]
    ax.contourf(mesh_a, mesh_b, land.z, *fill_args, alpha=o["fill_alpha"], cmap=o["cmap"])
    ax.set_xlim(float(land.a.min()), float(land.a.max()))
    ax.set_ylim(float(land.b.min()), float(land.b.max()))


def draw_critical(
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


# ---------------------------------------------------------------------- runs of the whole network
def run_label(run: str, styles: Mapping[str, Any]) -> str:
    """A run's display name: its optimizer label ('SGD'), or 'initial network' for init."""
    if run == INIT:
        return "initial network"
    return str(styles["optimizer_labels"].get(run, run))


def end_label(end: str, styles: Mapping[str, Any]) -> str:
    """A line end's display name: 'initial network' or e.g. 'SGD, final network'."""
    return run_label(end, styles) if end == INIT else f"{run_label(end, styles)}, final network"


def run_styles(items: Sequence[Any], styles: Mapping[str, Any]) -> list[TrackStyle]:
    """One colour per optimizer (styles.optimizer_colors) for paths or runs (by their .run)."""
    z = np.zeros(1)
    named = [Track(z.astype(np.int64), z, z, z, name=item.run) for item in items]
    return track_styles(named, "optimizers", styles)
