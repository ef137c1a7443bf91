"""Render options: defaults with the source documents' look, merging and frame selection.

Keys of ``DEFAULT_RENDER`` (every value is plain JSON; defaults = the source documents' look).

surfaces  (article Fig. 3, one 3D panel per N side by side)
    panel_size [w, h] inches per panel (seeds: 10 x 7.5 for two panels); dpi;
    elev (30); azims: one azimuth per panel, cycled ([-20, -30]); cmap ("terrain");
    alpha (0.75); label_fontsize (20); tick_labelsize (12); title_fontsize (15);
    labelpad / tickpad: [x, y, z] paddings (the source documents' z pad; x, y a little wider than
    the source documents' since the real-weight labels such as w2[5,250] are longer than w_a).
contour  (static filled contour + dashed black contour lines + trajectories)
    figsize; dpi; cmap; line_levels: number of dashed black contour lines (21);
    fill_levels: number of filled levels (null = matplotlib's automatic choice, as the seeds);
    fill_alpha (0.85); linewidth (2); marker_size of start markers in points (13);
    label_fontsize; tick_labelsize; title_fontsize; legend_fontsize.
descent3d  (article Fig. 5: surface + growing paths, GIF + last-frame PNG)
    figsize ([10, 10]); dpi (100); elev (30); azim (-10); zlim: [lo, hi] or null = the
    surface's range; cmap; alpha; linewidth; marker_size of the current-point marker (15);
    start_marker_size; legend_loc: legend position in axes coordinates ([0.25, 0.8]);
    legend_fontsize (17); label_fontsize (27); tick_labelsize (17); labelpad, tickpad: [x, y, z]
    (wider than the source documents' so the longer weight labels clear the tick labels);
    frames: list of [start, stop, step] ranges (Python range semantics; stop null = through
    the last epoch) or single epochs, concatenated, de-duplicated and clipped to the longest
    trajectory; null (default) = the article's [[0, 200, 20], [200, 9000, 100]] (98 frames of
    10,000 epochs) for a 10,000-epoch run, scaled to the run's length otherwise (every start,
    stop and step times epochs / 10,000, steps at least 1: 45-134 frames for runs of 50 to
    20,000 epochs); an explicit list is used as given;
    fps: GIF frames per second (10: the source documents' interval=5 ms is below the GIF
    minimum, which browsers play at 100 ms per frame); loop: GIF loop count (0 = forever).
descent2d  (article Fig. 6: contour with paths above, loss versus epoch below)
    figsize; dpi; cmap; line_levels; fill_levels; fill_alpha; linewidth; marker_size;
    label_fontsize (25); loss_label_fontsize (22); tick_labelsize (17); legend_fontsize;
    legend_loc: matplotlib legend location of the "epochs: k" legend ("upper right");
    frames (null = the article's [[0, 9000, 100]] scaled as descent3d's); fps; loop.
compare3d, compare2d  (German notebook: every optimizer from one start, one colour each)
    the keys of descent3d / descent2d; frames: null = the notebook's [[0, 1000, 20]] of its
    1,000 epochs, scaled to the run's length as descent3d's (38-74 frames).
rotation  (article Fig. 7/8: the surface turning in azimuth)
    figsize ([8, 8]); dpi (75); elev (30); azim_start (-60); degrees turned (360);
    n_frames (72); cmap; alpha; fps; loop; title_fontsize; label_fontsize; tick_labelsize;
    labelpad; tickpad.
contact_sheet  (contact sheet of small surfaces, one per seed, as the article's seed sweep)
    columns (4); panel_size [w, h] inches per panel; dpi (80); elev (30); azim (-60); cmap;
    alpha; title_fontsize; tick_labelsize; suptitle_fontsize; per_page: seeds per sheet (48;
    a sweep of more seeds gets pages contact_sheet_1.png, _2, ...); order_by: null (seed order)
    or a column of the gallery's summary table (e.g. minima, cost_min, plateau_share): seeds
    sorted by it, so page 1 holds the top per_page; descending (true).
interactive  (plotly, German notebook: 3D surface + paths, then contour with loss graph below)
    frames (null = the notebook's [[0, 1000, 20]] scaled as compare3d's); width, height (800)
    of the 3D figure; contour_height
    (1000); camera_eye [x, y, z] ([2, -2, 2]); surface_colorscale (null = plotly's default,
    as the notebook; a plotly name, or "mpl:<name>" to sample a matplotlib colormap);
    contour_colorscale ("hsv", as the notebook); project_contours: z contours projected on
    the surface (true); z_lift: paths drawn at cost * z_lift so they float above the surface
    (notebook: 1.001); line_width (5); marker_size (10); frame_duration and
    transition_duration in ms (500, 300); max_path_points: paths are thinned to at most this
    many points per frame (200: keeps a default page under 1.4 MB; the current point is always
    exact).
critical  (critical points drawn on contour, interactive and basin figures)
    kinds: per kind (minimum, maximum, saddle, degenerate) its marker (matplotlib), symbol
    (plotly 2D), symbol_3d (plotly 3D: circle, cross, diamond, square, x or -open variants),
    color (face) and legend label; edge_color, edge_width; marker_size (points, matplotlib);
    html_marker_size (plotly 2D; 3D markers are drawn at 0.6 of it); show (false: no markers).
basin_map  (basin map: every start coloured by the minimum it reached)
    figsize ([12, 8]: the legend sits right of the map); dpi; minimum_cmap: colormap of the
    minima in critical-points row order ("tab10", cycled); none_color ("lightgray": ended at
    no minimum), diverged_color ("dimgray"); line_levels: dashed contour lines of the landscape
    over the map (21; 0 = none); line_alpha; label_fontsize; tick_labelsize; title_fontsize;
    legend_fontsize; annotate_minima: write each minimum's row number next to its marker.
plane_contour  (whole network: filled contours of J and accuracy on a plane, every run's path)
    figsize ([16, 7]: two panels); dpi; cmap (J panel, "terrain"); accuracy_cmap ("viridis");
    line_levels; fill_levels; fill_alpha; colorbar (true); linewidth; snapshot_marker_size:
    the marker on every snapshot (4); start_marker_size: the square on the first snapshot (9);
    centre_marker_size: the star at the centre alpha = beta = 0 (16); centre_color ("white");
    label_fontsize; tick_labelsize; title_fontsize; legend_fontsize.
plane_surfaces  (whole network: 3D surfaces of J and accuracy, paths at their TRUE values)
    figsize ([16, 7.5]); dpi; elev (30); azim (-60); cmap; accuracy_cmap; alpha (0.6, lower
    than the source documents' so paths below the surface show); linewidth; snapshot_marker_size;
    gap_lines: dotted vertical lines from J at the projected point to the true J (true);
    gap_linewidth; centre_marker_size, centre_color: the star at the centre, on the surface
    (14, "white"); label_fontsize; tick_labelsize; title_fontsize; legend_fontsize;
    labelpad, tickpad: [x, y, z]. The z range covers the surface and every path value.
plane_descent3d, plane_descent2d  (whole network: every run's path growing on a plane)
    the keys of compare3d / compare2d (dpi 80: 800 x 800 pixels); frames: null (default) =
    every snapshot epoch of the
    paths (one frame per snapshot), or a frame list as descent3d's; plane_descent3d's zlim:
    null = the range of the surface and of every path's true J.
plane_interactive  (whole network: the plotly page of a plane, every run's path)
    the keys of interactive; frames: null (default) = every snapshot epoch of the paths;
    z_covers_paths: the 3D view's cost range covers the paths' true J too (true).
plane_distance  (whole network: how far each run's snapshots lie from a plane)
    figsize ([10, 9]); dpi; linewidth; marker_size; distance_scale ("linear" or "log");
    cost_scale; show_in_plane: also draw, dotted, the projection's offset from the centre
    |alpha d1 + beta d2| as the distance's scale (true); label_fontsize; tick_labelsize;
    title_fontsize; legend_fontsize.
training_curves  (whole network: cost and accuracy per epoch of every training run, and of
    its snapshots on the held-out images, dashed)
    figsize ([10, 9]); dpi; linewidth; marker_size (the cross ending a diverged run);
    cost_scale ("log"); label_fontsize; tick_labelsize; title_fontsize; legend_fontsize.
line_plot  (whole network: J on the left axis and accuracy on the right along a line, on the
    training images (solid) and the held-out ones (dashed): Keskar et al.'s parametric plot)
    figsize ([10, 6]); dpi; linewidth; cost_color ("black"); accuracy_color ("tab:blue");
    end_color: the dotted lines at t = 0 and t = 1 ("gray"); marker_size of the ends' markers;
    cost_scale ("linear"); label_fontsize; tick_labelsize; title_fontsize; legend_fontsize
    (also the ends' names).
sharpness_plot  (whole network: every run's lambda_1 per snapshot, lambda_2 .. lighter, its
    stability threshold dashed in the run's colour; training cost below: Cohen et al.'s Figure 1)
    figsize ([10, 9]); dpi; linewidth; marker_size (lambda_1's dots); lighter_alpha (lambda_2 ..);
    cost_scale ("log"); label_fontsize; tick_labelsize; title_fontsize; legend_fontsize.
spectrum_plot  (whole network: one run's Hessian eigenvalue density, log scale, at each
    snapshot of training.spectrum.at, its trace in the legend)
    figsize ([10, 6]); dpi; linewidth; colors (one per snapshot, in turn); density_floor: densities
    below it are not drawn (1e-8); label_fontsize; tick_labelsize; title_fontsize; legend_fontsize.
styles  (shared by every figure kind)
    start_color ("black") and start_linestyles (["dashed", "dashdot", "dotted"], cycled):
    the article's look for several starts; optimizer_colors: name -> [line colour, marker
    colour] (notebook: SGD red, momentum green, Nesterov blue, RMSProp yellow, Adam pink;
    ours: AdaGrad dark orange, NAdam purple); optimizer_labels: name -> legend text;
    fallback_colors for unknown optimizer names.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

#: Sections renamed when every figure kind got one name (old name -> new), for config messages.
RENAMED = {
    "descent_3d": "descent3d",
    "descent_2d": "descent2d",
    "compare_3d": "compare3d",
    "compare_2d": "compare2d",
    "gallery": "contact_sheet",
    "html": "interactive",
    "basins": "basin_map",
}

#: Frame list of the article's Figure 5: ``range(0, 200, 20) + range(200, 9000, 100)``.
ARTICLE_3D_FRAMES: list[list[int]] = [[0, 200, 20], [200, 9000, 100]]
#: Frame list of the article's Figure 6: ``range(0, 9000, 100)``.
ARTICLE_2D_FRAMES: list[list[int]] = [[0, 9000, 100]]
#: Frame list of the German notebook's optimizer comparison: ``range(0, epochs=1000, 20)``.
NOTEBOOK_FRAMES: list[list[int]] = [[0, 1000, 20]]
#: The source documents' run lengths those frame lists were chosen for.
ARTICLE_EPOCHS = 10_000
NOTEBOOK_EPOCHS = 1_000
#: A kind's frames when its `frames` option is null: the source documents' list at their run
#: length, scaled to the run's length otherwise (scaled_frames).
SOURCE_FRAMES: dict[str, tuple[list[list[int]], int]] = {
    "descent3d": (ARTICLE_3D_FRAMES, ARTICLE_EPOCHS),
    "descent2d": (ARTICLE_2D_FRAMES, ARTICLE_EPOCHS),
    "compare3d": (NOTEBOOK_FRAMES, NOTEBOOK_EPOCHS),
    "compare2d": (NOTEBOOK_FRAMES, NOTEBOOK_EPOCHS),
    "interactive": (NOTEBOOK_FRAMES, NOTEBOOK_EPOCHS),
}

_AXES_3D: dict[str, Any] = {
    "label_fontsize": 27,
    "tick_labelsize": 17,
    "labelpad": [30, 14, 22],
    "tickpad": [12, 2, 8],
}

_ANIM_3D: dict[str, Any] = {
    "figsize": [10.0, 10.0],
    "dpi": 100,
    "elev": 30.0,
    "azim": -10.0,
    "zlim": None,
    "cmap": "terrain",
    "alpha": 0.75,
    "linewidth": 2.0,
    "marker_size": 15.0,
    "start_marker_size": 8.0,
    "legend_loc": [0.25, 0.8],
    "legend_fontsize": 17,
    "fps": 10.0,
    "loop": 0,
    **_AXES_3D,
}

#: The contour map's look, shared by the static contour and the 2D animations.
_CONTOUR_MAP: dict[str, Any] = {
    "dpi": 100,
    "cmap": "terrain",
    "line_levels": 21,
    "fill_levels": None,
    "fill_alpha": 0.85,
    "linewidth": 2.0,
    "marker_size": 13.0,
    "label_fontsize": 25,
}

_ANIM_2D: dict[str, Any] = {
    "figsize": [10.0, 10.0],
    **_CONTOUR_MAP,
    "loss_label_fontsize": 22,
    "tick_labelsize": 17,
    "legend_fontsize": 17,
    "legend_loc": "upper right",
    "fps": 10.0,
    "loop": 0,
}

_INTERACTIVE: dict[str, Any] = {
    "frames": None,
    "width": 800,
    "height": 800,
    "contour_height": 1000,
    "camera_eye": [2.0, -2.0, 2.0],
    "surface_colorscale": None,
    "contour_colorscale": "hsv",
    "project_contours": True,
    "z_lift": 1.001,
    "line_width": 5,
    "marker_size": 10,
    "frame_duration": 500,
    "transition_duration": 300,
    "max_path_points": 200,
}

DEFAULT_RENDER: dict[str, Any] = copy.deepcopy(
    {
        "surfaces": {
            "panel_size": [5.0, 7.5],
            "dpi": 100,
            "elev": 30.0,
            "azims": [-20.0, -30.0],
            "cmap": "terrain",
            "alpha": 0.75,
            "label_fontsize": 20,
            "tick_labelsize": 12,
            "title_fontsize": 15,
            "labelpad": [12, 6, -30],
            "tickpad": [5, 0, 5],
        },
        "contour": {
            "figsize": [10.0, 8.0],
            **_CONTOUR_MAP,
            "tick_labelsize": 17,
            "title_fontsize": 17,
            "legend_fontsize": 13,
        },
        "descent3d": {**_ANIM_3D, "frames": None},
        "descent2d": {**_ANIM_2D, "frames": None},
        "compare3d": {**_ANIM_3D, "frames": None, "legend_loc": [0.05, 0.72]},
        "compare2d": {**_ANIM_2D, "frames": None},
        "rotation": {
            "figsize": [8.0, 8.0],
            "dpi": 75,
            "elev": 30.0,
            "azim_start": -60.0,
            "degrees": 360.0,
            "n_frames": 72,
            "cmap": "terrain",
            "alpha": 0.75,
            "fps": 10.0,
            "loop": 0,
            "title_fontsize": 17,
            "label_fontsize": 20,
            "tick_labelsize": 12,
            "labelpad": [12, 12, 8],
            "tickpad": [4, 4, 6],
        },
        "contact_sheet": {
            "columns": 4,
            "panel_size": [3.2, 3.2],
            "dpi": 80,
            "elev": 30.0,
            "azim": -60.0,
            "cmap": "terrain",
            "alpha": 0.75,
            "title_fontsize": 10,
            "tick_labelsize": 6,
            "suptitle_fontsize": 13,
            "per_page": 48,
            "order_by": None,
            "descending": True,
        },
        "interactive": _INTERACTIVE,
        "critical": {
            "kinds": {
                "minimum": {
                    "marker": "o",
                    "symbol": "circle",
                    "symbol_3d": "circle",
                    "color": "white",
                    "label": "minimum",
                },
                "maximum": {
                    "marker": "^",
                    "symbol": "triangle-up",
                    "symbol_3d": "diamond",
                    "color": "black",
                    "label": "maximum",
                },
                "saddle": {
                    "marker": "X",
                    "symbol": "x",
                    "symbol_3d": "x",
                    "color": "red",
                    "label": "saddle",
                },
                "degenerate": {
                    "marker": "D",
                    "symbol": "diamond",
                    "symbol_3d": "square",
                    "color": "magenta",
                    "label": "degenerate",
                },
            },
            "edge_color": "black",
            "edge_width": 1.5,
            "marker_size": 12.0,
            "html_marker_size": 12,
            "show": True,
        },
        "basin_map": {
            "figsize": [12.0, 8.0],
            "dpi": 100,
            "minimum_cmap": "tab10",
            "none_color": "lightgray",
            "diverged_color": "dimgray",
            "line_levels": 21,
            "line_alpha": 0.5,
            "label_fontsize": 25,
            "tick_labelsize": 17,
            "title_fontsize": 17,
            "legend_fontsize": 12,
            "annotate_minima": True,
        },
        "plane_contour": {
            "figsize": [16.0, 7.0],
            "dpi": 100,
            "cmap": "terrain",
            "accuracy_cmap": "viridis",
            "line_levels": 21,
            "fill_levels": None,
            "fill_alpha": 0.85,
            "colorbar": True,
            "linewidth": 2.0,
            "snapshot_marker_size": 4.0,
            "start_marker_size": 9.0,
            "centre_marker_size": 16.0,
            "centre_color": "white",
            "label_fontsize": 16,
            "tick_labelsize": 12,
            "title_fontsize": 15,
            "legend_fontsize": 11,
        },
        "plane_surfaces": {
            "figsize": [16.0, 7.5],
            "dpi": 100,
            "elev": 30.0,
            "azim": -60.0,
            "cmap": "terrain",
            "accuracy_cmap": "viridis",
            "alpha": 0.6,
            "linewidth": 2.0,
            "snapshot_marker_size": 4.0,
            "gap_lines": True,
            "gap_linewidth": 0.8,
            "centre_marker_size": 14.0,
            "centre_color": "white",
            "label_fontsize": 14,
            "tick_labelsize": 10,
            "title_fontsize": 15,
            "legend_fontsize": 11,
            "labelpad": [10, 10, 10],
            "tickpad": [2, 2, 4],
        },
        "plane_descent3d": {**_ANIM_3D, "dpi": 80, "frames": None, "legend_loc": [0.05, 0.72]},
        "plane_descent2d": {**_ANIM_2D, "dpi": 80, "frames": None},
        "plane_interactive": {**_INTERACTIVE, "frames": None, "z_covers_paths": True},
        "plane_distance": {
            "figsize": [10.0, 9.0],
            "dpi": 100,
            "linewidth": 2.0,
            "marker_size": 4.0,
            "distance_scale": "linear",
            "cost_scale": "linear",
            "show_in_plane": True,
            "label_fontsize": 16,
            "tick_labelsize": 12,
            "title_fontsize": 15,
            "legend_fontsize": 11,
        },
        "training_curves": {
            "figsize": [10.0, 9.0],
            "dpi": 100,
            "linewidth": 2.0,
            "marker_size": 12.0,
            "cost_scale": "log",
            "label_fontsize": 16,
            "tick_labelsize": 12,
            "title_fontsize": 15,
            "legend_fontsize": 12,
        },
        "line_plot": {
            "figsize": [10.0, 6.0],
            "dpi": 100,
            "linewidth": 2.0,
            "cost_color": "black",
            "accuracy_color": "tab:blue",
            "end_color": "gray",
            "marker_size": 9.0,
            "cost_scale": "linear",
            "label_fontsize": 16,
            "tick_labelsize": 12,
            "title_fontsize": 15,
            "legend_fontsize": 12,
        },
        "sharpness_plot": {
            "figsize": [10.0, 9.0],
            "dpi": 100,
            "linewidth": 2.0,
            "marker_size": 3.0,
            "lighter_alpha": 0.45,
            "cost_scale": "log",
            "label_fontsize": 16,
            "tick_labelsize": 12,
            "title_fontsize": 15,
            "legend_fontsize": 11,
        },
        "spectrum_plot": {
            "figsize": [10.0, 6.0],
            "dpi": 100,
            "linewidth": 1.5,
            "colors": ["tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange"],
            "density_floor": 1e-8,
            "label_fontsize": 16,
            "tick_labelsize": 12,
            "title_fontsize": 15,
            "legend_fontsize": 12,
        },
        "styles": {
            "start_color": "black",
            "start_linestyles": ["dashed", "dashdot", "dotted"],
            "optimizer_colors": {
                "sgd": ["red", "darkred"],
                "momentum": ["green", "darkgreen"],
                "nesterov": ["blue", "darkblue"],
                "rmsprop": ["yellow", "yellow"],
                "adam": ["pink", "pink"],
                "adagrad": ["darkorange", "orangered"],
                "nadam": ["purple", "indigo"],
            },
            "optimizer_labels": {
                "sgd": "SGD",
                "momentum": "SGD-Momentum",
                "nesterov": "Nesterov-SGD",
                "rmsprop": "RMSProp",
                "adam": "Adam",
                "adagrad": "AdaGrad",
                "nadam": "NAdam",
            },
            "fallback_colors": ["cyan", "magenta", "olive", "brown", "gray"],
        },
    }
)


def _merge(base: Any, override: Any, where: str) -> Any:
    """Deep-merge ``override`` onto ``base``; unknown keys raise ``ValueError``."""
    if isinstance(base, dict) and isinstance(override, Mapping):
        out = copy.deepcopy(base)
        for key, value in override.items():
            if key not in base:
                allowed = ", ".join(sorted(base))
                raise ValueError(f"unknown render option {where}{key!r} (allowed: {allowed})")
            # Free-form maps: any optimizer name may be added.
            if key in ("optimizer_colors", "optimizer_labels") and isinstance(value, Mapping):
                merged = copy.deepcopy(base[key])
                merged.update(copy.deepcopy(dict(value)))
                out[key] = merged
            else:
                out[key] = _merge(base[key], value, f"{where}{key}.")
        return out
    return copy.deepcopy(override)


def resolve_options(options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return DEFAULT_RENDER deep-merged with (partial) ``options``."""
    return _merge(DEFAULT_RENDER, options or {}, "")


def _half_up(x: float) -> int:
    """x rounded to the nearest integer, halves up (no banker's rounding)."""
    return math.floor(x + 0.5)


def scaled_frames(spec: Sequence[Any], epochs: int, last_epoch: int) -> list[Any]:
    """A frame spec chosen for runs of `epochs` epochs, at the same density for `last_epoch`.

    Unchanged when last_epoch == epochs; otherwise every start, stop, step and single epoch is
    multiplied by last_epoch / epochs and rounded, steps at least 1.
    """
    if last_epoch == epochs:
        return [list(item) if isinstance(item, Sequence) else item for item in spec]
    scale = last_epoch / epochs
    out: list[Any] = []
    for item in spec:
        if isinstance(item, Sequence):
            start, stop, *step = item
            new = [_half_up(start * scale), None if stop is None else _half_up(stop * scale)]
            out.append(new + [max(1, _half_up(s * scale)) for s in step])
        else:
            out.append(_half_up(item * scale))
    return out


def select_frames(
    spec: Sequence[Any] | None, last_epoch: int, source: str | None = None
) -> list[int]:
    """Expand a frame spec (ranges [start, stop, step] or ints) clipped to ``last_epoch``.

    A null spec is kind `source`'s source-document frames scaled to the run (SOURCE_FRAMES).
    """
    if spec is None:
        if source not in SOURCE_FRAMES:
            raise ValueError(f"frames: null needs a kind with default frames, got {source!r}")
        spec = scaled_frames(*SOURCE_FRAMES[source], last_epoch)
    frames: list[int] = []
    seen: set[int] = set()
    for item in spec:
        if isinstance(item, int | float) and not isinstance(item, bool):
            values: Sequence[int] = [int(item)]
        elif isinstance(item, Sequence) and len(item) in (2, 3):
            start = int(item[0])
            stop = last_epoch + 1 if item[1] is None else int(item[1])
            step = int(item[2]) if len(item) == 3 else 1
            if step <= 0:
                raise ValueError(f"frame range step must be positive, got {list(item)}")
            values = range(start, stop, step)
        else:
            raise ValueError(f"bad frame spec item {item!r}: use [start, stop, step] or an int")
        for value in values:
            if 0 <= value <= last_epoch and value not in seen:
                seen.add(value)
                frames.append(value)
    if not frames:
        frames = [last_epoch]
    return frames
