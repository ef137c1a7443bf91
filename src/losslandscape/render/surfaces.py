"""3D surfaces of landscapes: side by side per N, a contact sheet per seed, a rotating GIF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .common import (
    PathLike,
    draw_surface,
    finish_figure,
    lay_out,
    new_figure,
    style_3d_axes,
    title_of,
)
from .data import Landscape, load_landscape, pair_labels, read_table
from .options import resolve_options
from .output import canvas_rgb, save_figure_png, write_gif

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .registry import FigureJob


def build_surfaces(
    landscapes: Sequence[Landscape], *, options: Mapping[str, Any] | None = None
) -> Figure:
    """3D surface panels side by side, one per landscape (article Fig. 3), laid out."""
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
        style_3d_axes(ax, land, o)
        ax.set_title(title_of(land), y=0.85, fontsize=o["title_fontsize"])
        draw_surface(ax, land, o)
    return lay_out(fig)


def render_surfaces(
    landscapes: Sequence[Landscape],
    png_path: PathLike,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> None:
    """Write 3D surface panels side by side, one per landscape (article Fig. 3)."""
    save_figure_png(build_surfaces(landscapes, options=options), png_path, provenance)


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
    o = resolve_options(options)["contact_sheet"]
    cols = max(1, min(int(o["columns"]), len(landscapes)))
    rows = -(-len(landscapes) // cols)
    width, height = o["panel_size"]
    fig = new_figure((width * cols, height * rows + 0.6), o["dpi"])
    for i, land in enumerate(landscapes):
        ax = fig.add_subplot(rows, cols, i + 1, projection="3d")
        ax.view_init(elev=o["elev"], azim=o["azim"])
        ax.tick_params(labelsize=o["tick_labelsize"], pad=0)
        ax.set_title(title_of(land), fontsize=o["title_fontsize"], y=0.95)
        draw_surface(ax, land, o)
    finish_figure(fig, png_path, provenance, title, o["suptitle_fontsize"])


def rotation_azimuths(options: Mapping[str, Any] | None = None) -> list[float]:
    """Return the azimuth of every frame of the rotating-landscape GIF."""
    o = resolve_options(options)["rotation"]
    n = int(o["n_frames"])
    if n < 1:
        raise ValueError("rotation.n_frames must be at least 1")
    return [float(o["azim_start"]) + float(o["degrees"]) * i / n for i in range(n)]


def rotation_figure(
    landscape: Landscape, options: Mapping[str, Any] | None = None, title: str | None = None
) -> tuple[Figure, Any]:
    """Build the rotating GIF's figure and 3D axes, laid out at the first azimuth."""
    o = resolve_options(options)["rotation"]
    fig = new_figure(o["figsize"], o["dpi"])
    ax = fig.add_subplot(111, projection="3d")
    style_3d_axes(ax, landscape, o)
    draw_surface(ax, landscape, o)
    ax.set_zlim(*landscape.zrange)
    if title is None:
        title = title_of(landscape, f"{landscape.label_a}, {landscape.label_b}")
    ax.set_title(title, fontsize=o["title_fontsize"])
    ax.view_init(elev=o["elev"], azim=rotation_azimuths(options)[0])
    fig.tight_layout()
    return fig, ax


def render_rotation(
    landscape: Landscape,
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str | None = None,
) -> list[float]:
    """Write the landscape turning in azimuth as GIF (article Fig. 7/8) and its last frame.

    The figure is built once and only its view turns from frame to frame.
    """
    o = resolve_options(options)["rotation"]
    azims = rotation_azimuths(options)
    fig, ax = rotation_figure(landscape, options, title)

    def render_frame(i: int) -> np.ndarray:
        ax.view_init(elev=o["elev"], azim=azims[i])
        fig.canvas.draw()
        return canvas_rgb(fig)

    write_gif(
        gif_path,
        png_path,
        render_frame,
        len(azims),
        fps=float(o["fps"]),
        loop=int(o["loop"]),
        provenance=provenance,
    )
    return azims


# ---------------------------------------------------------------------- figure jobs
def draw_surfaces(job: FigureJob) -> str:
    """One panel per grid of inputs.grids, N from params.ns (same order)."""
    grids = list(job.inputs["grids"])
    ns = [int(n) for n in job.value("ns")]
    if len(ns) != len(grids):
        raise ValueError(f"{len(grids)} grids but params.ns has {len(ns)} values")
    landscapes = [job.landscape(path, n=n) for path, n in zip(grids, ns, strict=True)]
    png = job.outputs["png"]
    render_surfaces(landscapes, png, options=job.options(), provenance=job.provenance())
    return f"wrote {png} ({len(landscapes)} panels)"


def draw_rotation(job: FigureJob) -> str:
    """inputs.grid turning in azimuth; params.title overrides the title."""
    gif, png = job.outputs["gif"], job.outputs["png"]
    azims = render_rotation(
        job.landscape(), gif, png, options=job.options(), provenance=job.provenance(),
        title=job.value("title", None),
    )  # fmt: skip
    return f"wrote {gif} ({len(azims)} frames) and {png}"


def draw_contact_sheet(job: FigureJob) -> str:
    """Page params.page (wildcard) of the gallery's seeds, one small surface per seed.

    inputs.grids holds one grid per seed of params.seeds (same order); the seeds are cut into
    pages of render.contact_sheet.per_page, in seed order or, with order_by, by that column of
    inputs.summary (the gallery's summary table), so that page 1 holds the top ones.
    """
    from ..sweep import page_seeds

    grids = list(job.inputs["grids"])
    seeds = [int(s) for s in job.value("seeds")]
    if len(seeds) != len(grids):
        raise ValueError(f"{len(grids)} grids but params.seeds has {len(seeds)} values")
    pair, n = str(job.value("pair")), int(job.value("n"))
    o = resolve_options(job.options())["contact_sheet"]
    order = gallery_orders(seeds, o, job.inputs.get("summary"), [(n, pair)])[n, pair]
    page = int(job.value("page"))
    shown = page_seeds(order, page, int(o["per_page"]))
    grid_of = dict(zip(seeds, grids, strict=True))
    landscapes = [load_landscape(grid_of[seed], pair=pair, seed=seed) for seed in shown]
    label_a, label_b = pair_labels(pair)
    title = f"{label_a} and {label_b}, N = {n:,}"
    if len(order) > len(shown) or o["order_by"]:
        first = (page - 1) * int(o["per_page"]) + 1
        by = f", by {o['order_by']}" if o["order_by"] else ""
        title += f" ({first}-{first + len(shown) - 1} of {len(order)} seeds{by})"
    png = job.outputs["png"]
    render_contact_sheet(
        landscapes, png, options=job.options(), provenance=job.provenance(), title=title
    )
    return f"wrote {png} (page {page}: {len(landscapes)} seeds)"


def gallery_orders(
    seeds: Sequence[int],
    sheet: Mapping[str, Any],
    summary: str | None,
    combos: Sequence[tuple[int, str]],
) -> dict[tuple[int, str], list[int]]:
    """The gallery's seeds in contact-sheet order (render.contact_sheet) for every (n, pair) of
    `combos`; the summary is read once, and only when the sheets are ordered by its column."""
    from ..sweep import sheet_order

    column = sheet.get("order_by")
    if not column:
        return {combo: list(seeds) for combo in combos}
    if not summary:
        raise ValueError(f"contact_sheet.order_by = {column!r} needs the gallery summary")
    table = read_table(summary, list(dict.fromkeys(["seed", "n", "pair", column])))
    values: dict[tuple[int, str], dict[int, float]] = {combo: {} for combo in combos}
    for seed, n, pair, value in zip(table["seed"], table["n"], table["pair"], table[column],
                                    strict=True):  # fmt: skip
        if (int(n), str(pair)) in values:
            values[int(n), str(pair)][int(seed)] = float(value)
    descending = bool(sheet.get("descending", True))
    return {combo: sheet_order(seeds, values[combo], descending) for combo in combos}
