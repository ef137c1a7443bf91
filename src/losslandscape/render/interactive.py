"""Interactive plotly page (German notebook): animated 3D surface, contour with loss graph.

The page opens offline (no CDN) and is deterministic: fixed div ids, no timestamps, provenance
in ``<meta name="losslandscape-provenance">``. plotly.js is either inline (a self-contained page)
or one shared file the page loads by relative URL (``plotly_js``), so that a results tree holds
plotly.js once and each page only its data; ``inline_plotly`` turns the second kind into the
first (the report's copies).
"""

from __future__ import annotations

import html as html_lib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from matplotlib import colormaps
from plotly.subplots import make_subplots

from ..io import write_text
from .common import PathLike, TrackStyle, track_styles
from .data import CRITICAL_KINDS, CriticalPoints, Landscape, Track, last_epoch
from .options import resolve_options, select_frames

if TYPE_CHECKING:
    from .registry import FigureJob

SURFACE_DIV = "losslandscape-surface"
CONTOUR_DIV = "losslandscape-contour"
_DASH = {"solid": "solid", "dashed": "dash", "dashdot": "dashdot", "dotted": "dot"}


def colorscale(name: str | None) -> Any:
    """Return a plotly colorscale: a plotly name, None, or sampled from 'mpl:<cmap>'."""
    if name is None or not str(name).startswith("mpl:"):
        return name
    cmap = colormaps[str(name)[4:]]
    steps = np.linspace(0.0, 1.0, 11)
    scale = []
    for pos in steps:
        r, g, b, _ = cmap(float(pos))
        scale.append([float(pos), f"rgb({round(r * 255)},{round(g * 255)},{round(b * 255)})"])
    return scale


def thin_indices(track: Track, max_points: int) -> np.ndarray:
    """Return row indices that keep a path's shape with at most ~max_points points."""
    n = len(track.epoch)
    if n <= max_points:
        return np.arange(n)
    steps = []
    for values in (track.w_a, track.w_b, track.cost, track.epoch.astype(np.float64)):
        finite = values[np.isfinite(values)]
        span = float(finite.max() - finite.min()) if finite.size else 0.0
        diff = np.abs(np.diff(values))
        steps.append(np.nan_to_num(diff / span if span > 0 else diff * 0.0))
    arc = np.concatenate([[0.0], np.cumsum(np.sum(steps, axis=0))])
    levels = np.linspace(0.0, arc[-1], max_points)
    picked = np.searchsorted(arc, levels, side="left")
    return np.unique(np.concatenate([[0], np.clip(picked, 0, n - 1), [n - 1]]))


def critical_traces(
    critical: CriticalPoints | None,
    o: Mapping[str, Any] | None,
    *,
    three_d: bool,
    lift: float = 1.0,
) -> list[Any]:
    """Static marker traces of the critical points, one per kind present (legend: the kind)."""
    if critical is None or o is None or not o["show"]:
        return []
    out: list[Any] = []
    size = float(o["html_marker_size"])
    for kind in CRITICAL_KINDS:
        idx = critical.indices(kind)
        if idx.size == 0:
            continue
        st = o["kinds"][kind]
        text = [
            f"{st['label']} {i}: w_a={critical.w_a[i]:.6g}, w_b={critical.w_b[i]:.6g}, "
            f"J={critical.cost[i]:.8g}"
            for i in idx
        ]
        marker = {
            "color": st["color"],
            "symbol": st["symbol_3d" if three_d else "symbol"],
            "size": size * 0.6 if three_d else size,
            "line": {"color": o["edge_color"], "width": float(o["edge_width"])},
        }
        common = {
            "mode": "markers",
            "marker": marker,
            "name": str(st["label"]),
            "legendgroup": f"critical {kind}",
            "text": text,
            "hoverinfo": "text",
        }
        if three_d:
            out.append(
                go.Scatter3d(
                    x=critical.w_a[idx], y=critical.w_b[idx], z=critical.cost[idx] * lift, **common
                )
            )
        else:
            out.append(
                go.Scatter(x=critical.w_a[idx], y=critical.w_b[idx], xaxis="x", yaxis="y", **common)
            )
    return out


def _anim_controls(frames: Sequence[int], o: Mapping[str, Any]) -> tuple[list, list]:
    """Return the notebook's Play/Pause buttons and epoch slider."""
    duration = int(o["frame_duration"])
    transition = int(o["transition_duration"])
    buttons = [
        {
            "buttons": [
                {
                    "args": [
                        None,
                        {
                            "frame": {"duration": duration, "redraw": True},
                            "fromcurrent": True,
                            "transition": {"duration": transition, "easing": "quadratic-in-out"},
                        },
                    ],
                    "label": "Play",
                    "method": "animate",
                },
                {
                    "args": [
                        [None],
                        {
                            "frame": {"duration": 0, "redraw": True},
                            "mode": "immediate",
                            "transition": {"duration": 0},
                        },
                    ],
                    "label": "Pause",
                    "method": "animate",
                },
            ],
            "direction": "left",
            "pad": {"r": 10, "t": 87},
            "showactive": False,
            "type": "buttons",
            "x": 0.1,
            "xanchor": "right",
            "y": 0,
            "yanchor": "top",
        }
    ]
    steps = [
        {
            "args": [
                [str(epoch)],
                {
                    "frame": {"duration": transition, "redraw": True},
                    "mode": "immediate",
                    "transition": {"duration": 1},
                },
            ],
            "label": str(epoch),
            "method": "animate",
        }
        for epoch in frames
    ]
    slider = {
        "active": 0,
        "yanchor": "top",
        "xanchor": "left",
        "currentvalue": {
            "font": {"size": 20},
            "prefix": "Epoch: ",
            "visible": True,
            "xanchor": "right",
        },
        "transition": {"duration": transition, "easing": "cubic-in-out"},
        "pad": {"b": 10, "t": 50},
        "len": 0.9,
        "x": 0.1,
        "y": 0,
        "steps": steps,
    }
    return buttons, [slider]


class _Paths:
    """Per-track thinned rows, sliced per frame epoch (the current point is always exact)."""

    def __init__(self, tracks: Sequence[Track], max_points: int) -> None:
        """Precompute thinned row indices."""
        self.tracks = list(tracks)
        self.kept = [thin_indices(t, max_points) for t in tracks]

    @staticmethod
    def f32(values: np.ndarray) -> np.ndarray:
        """Return path values as float32 (half the page size, ample for display)."""
        return values.astype(np.float32)

    def rows(self, i: int, epoch: int) -> np.ndarray:
        """Return the rows of track i drawn at ``epoch``."""
        k = self.tracks[i].upto(epoch)
        kept = self.kept[i]
        rows = kept[kept < k - 1]
        return np.concatenate([rows, [k - 1]])


@dataclass(frozen=True)
class _Page:
    """What both figures of a page draw (crit: the options section of the critical points)."""

    land: Landscape
    tracks: Sequence[Track]
    styles: Sequence[TrackStyle]
    frames: Sequence[int]
    paths: _Paths
    o: Mapping[str, Any]
    critical: CriticalPoints | None = None
    crit: Mapping[str, Any] | None = None


def _path_trace(st: TrackStyle, o: Mapping[str, Any]) -> dict[str, Any]:
    """Plotly arguments of a track's path line (2D or 3D) besides its coordinates."""
    return {
        "mode": "lines",
        "line": {"color": st.color, "width": o["line_width"], "dash": _DASH[st.linestyle]},
        "name": st.label,
        "legendgroup": st.label,
    }


def _current_trace(st: TrackStyle, o: Mapping[str, Any]) -> dict[str, Any]:
    """Plotly arguments of a track's current-point marker (2D or 3D) besides its coordinates."""
    return {
        "mode": "markers",
        "marker": {"color": st.marker_color, "size": o["marker_size"]},
        "name": f"{st.label} (current)",
        "legendgroup": st.label,
        "showlegend": False,
    }


def _surface_figure(page: _Page, title: str) -> go.Figure:
    """Return the animated 3D surface with paths, current-point and critical-point markers."""
    land, tracks, frames, paths, o = page.land, page.tracks, page.frames, page.paths, page.o
    lift = float(o["z_lift"])
    surface = go.Surface(
        x=land.a,
        y=land.b,
        z=land.z,
        colorscale=colorscale(o["surface_colorscale"]),
        name="loss landscape",
        showscale=False,
    )
    if o["project_contours"]:
        surface.update(
            contours_z={
                "show": True,
                "usecolormap": True,
                "highlightcolor": "limegreen",
                "project_z": True,
            }
        )

    def traces(epoch: int) -> list[Any]:
        out: list[Any] = []
        for i, (track, st) in enumerate(zip(tracks, page.styles, strict=True)):
            rows = paths.rows(i, epoch)
            for shown, trace in ((rows, _path_trace), (rows[-1:], _current_trace)):
                out.append(
                    go.Scatter3d(
                        x=_Paths.f32(track.w_a[shown]),
                        y=_Paths.f32(track.w_b[shown]),
                        z=_Paths.f32(track.cost[shown] * lift),
                        **trace(st, o),
                    )
                )
        return out

    # critical points after the animated traces: the frames address traces 1..2*len(tracks)
    marks = critical_traces(page.critical, page.crit, three_d=True, lift=lift)
    fig = go.Figure(data=[surface, *traces(frames[0]), *marks])
    indices = list(range(1, 1 + 2 * len(tracks)))
    fig.frames = [go.Frame(data=traces(e), traces=indices, name=str(e)) for e in frames]
    buttons, sliders = _anim_controls(frames, o)
    zlo, zhi = land.zrange
    if o.get("z_covers_paths"):  # paths off the surface (a plane's true J) stay in view
        finite = [c[np.isfinite(c)] for c in (t.cost for t in tracks)]
        zlo = min([zlo, *(float(c.min()) for c in finite if c.size)])
        zhi = max([zhi, *(float(c.max()) for c in finite if c.size)])
    eye = o["camera_eye"]
    fig.update_layout(
        title=title,
        width=int(o["width"]),
        height=int(o["height"]),
        margin={"l": 15, "r": 20, "b": 15, "t": 60},
        legend={"yanchor": "top", "y": 0.99, "xanchor": "left", "x": 0.01},
        scene={
            "camera": {"eye": {"x": eye[0], "y": eye[1], "z": eye[2]}},
            "xaxis": {"title": {"text": land.label_a}, "range": [land.a.min(), land.a.max()]},
            "yaxis": {"title": {"text": land.label_b}, "range": [land.b.min(), land.b.max()]},
            "zaxis": {"title": {"text": "costs"}, "range": [zlo, zhi + (zhi - zlo) * 0.05]},
        },
        updatemenus=buttons,
        sliders=sliders,
    )
    return fig


def _contour_figure(page: _Page) -> go.Figure:
    """Return the animated contour plot (paths, critical points) above the loss graph."""
    land, tracks, frames, paths, o = page.land, page.tracks, page.frames, page.paths, page.o
    fig = make_subplots(rows=2, cols=1, subplot_titles=("Contour plot", "Loss graph"))
    fig.add_trace(
        go.Contour(
            x=land.a,
            y=land.b,
            z=land.z,
            connectgaps=True,
            colorscale=colorscale(o["contour_colorscale"]),
            showscale=False,
            name="loss landscape",
        ),
        row=1,
        col=1,
    )

    def traces(epoch: int) -> list[Any]:
        out: list[Any] = []
        for i, (track, st) in enumerate(zip(tracks, page.styles, strict=True)):
            rows = paths.rows(i, epoch)
            out.append(
                go.Scatter(
                    x=track.epoch[rows],
                    y=_Paths.f32(track.cost[rows]),
                    mode="lines",
                    line={"color": st.color, "dash": _DASH[st.linestyle]},
                    name=st.label,
                    legendgroup=st.label,
                    showlegend=False,
                    xaxis="x2",
                    yaxis="y2",
                )
            )
            for shown, trace in ((rows, _path_trace), (rows[-1:], _current_trace)):
                out.append(
                    go.Scatter(
                        x=_Paths.f32(track.w_a[shown]),
                        y=_Paths.f32(track.w_b[shown]),
                        **trace(st, o),
                        xaxis="x",
                        yaxis="y",
                    )
                )
        return out

    fig.add_traces(traces(frames[0]))
    # critical points after the animated traces: the frames address traces 1..3*len(tracks)
    fig.add_traces(critical_traces(page.critical, page.crit, three_d=False))
    indices = list(range(1, 1 + 3 * len(tracks)))
    fig.frames = [go.Frame(data=traces(e), traces=indices, name=str(e)) for e in frames]
    buttons, sliders = _anim_controls(frames, o)
    costs = np.concatenate([t.cost[: t.upto(frames[-1])] for t in tracks])
    costs = costs[np.isfinite(costs)]
    lo, hi = (float(costs.min()), float(costs.max())) if costs.size else (0.0, 1.0)
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    fig.update_xaxes(title_text=land.label_a, range=[land.a.min(), land.a.max()], row=1, col=1)
    fig.update_yaxes(title_text=land.label_b, range=[land.b.min(), land.b.max()], row=1, col=1)
    fig.update_xaxes(title_text="Epochs", range=[0, max(frames[-1], 1)], row=2, col=1)
    fig.update_yaxes(title_text="Costs", range=[lo - pad, hi + pad], row=2, col=1)
    fig.update_layout(
        height=int(o["contour_height"]),
        width=int(o["width"]),
        updatemenus=buttons,
        sliders=sliders,
    )
    return fig


def shared_script_tag(url: str) -> str:
    """The tag by which a page loads the shared plotly.js at `url` (relative to the page)."""
    return f'<script charset="utf-8" src="{html_lib.escape(url, quote=True)}"></script>'


def inline_plotly(page: str, url: str, plotly_js: str) -> str:
    """A page that loads the shared plotly.js from `url`, made self-contained (plotly.js inline)."""
    tag = shared_script_tag(url)
    if page.count(tag) != 1:
        raise ValueError(f"the page does not load plotly.js from {url!r} exactly once")
    if "</script" in plotly_js.lower():
        raise ValueError("plotly.js contains '</script' and cannot be inlined")
    return page.replace(tag, f'<script charset="utf-8">{plotly_js}</script>')


def plotly_url(plotly_js: str | None, html_path: PathLike) -> str | None:
    """The shared plotly.js's URL relative to the page at `html_path` (None stays None)."""
    if plotly_js is None:
        return None
    rel = os.path.relpath(plotly_js, start=os.path.dirname(os.fspath(html_path)) or ".")
    return PurePath(rel).as_posix()


def interactive_title(landscape: Landscape) -> str:
    """The page's default title: 'Loss landscape and trajectories: seed S, N: n, w_a, w_b'."""
    bits = [f"seed {landscape.seed}"] if landscape.seed is not None else []
    if landscape.n is not None:
        bits.append(f"N: {landscape.n:,}")
    bits.append(f"{landscape.label_a}, {landscape.label_b}")
    return "Loss landscape and trajectories: " + ", ".join(bits)


def build_interactive(
    landscape: Landscape,
    tracks: Sequence[Track],
    *,
    style: str = "starts",
    options: Mapping[str, Any] | None = None,
    title: str | None = None,
    critical: CriticalPoints | Any | None = None,
    kind: str = "interactive",
) -> tuple[go.Figure, go.Figure]:
    """The page's two animated plotly figures: the 3D surface, the contour above the loss graph.

    Arguments as render_interactive's; the title (default interactive_title) heads the surface.
    """
    critical = CriticalPoints.coerce(critical)
    if not tracks:
        raise ValueError("render_interactive needs at least one trajectory")
    opts = resolve_options(options)
    o = opts[kind]
    styles = track_styles(tracks, style, opts["styles"])
    frames = select_frames(o["frames"], last_epoch(tracks), source=kind)
    paths = _Paths(tracks, int(o["max_path_points"]))
    page = _Page(landscape, tracks, styles, frames, paths, o, critical, opts["critical"])
    surface = _surface_figure(page, interactive_title(landscape) if title is None else title)
    return surface, _contour_figure(page)


def render_interactive(
    landscape: Landscape,
    tracks: Sequence[Track],
    html_path: PathLike,
    *,
    style: str = "starts",
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
    title: str | None = None,
    critical: CriticalPoints | Any | None = None,
    kind: str = "interactive",
    plotly_js: str | None = None,
) -> list[int]:
    """Write a self-contained interactive page; return the frame epochs.

    `critical` (CriticalPoints or a critical-points table) adds markers by kind to the surface
    and the contour plot (hover: kind, row number, w_a, w_b, J). `kind` names the options
    section (a figure kind drawn this way, e.g. a plane's page). `plotly_js`: the URL of a
    shared plotly.js relative to the page (None: plotly.js inline, a self-contained page).
    """
    title = interactive_title(landscape) if title is None else title
    surface, contour = build_interactive(
        landscape, tracks, style=style, options=options, title=title, critical=critical,
        kind=kind,
    )  # fmt: skip
    frames = [int(frame.name) for frame in surface.frames]  # the frames' epochs
    config = {"displaylogo": False}
    part1 = surface.to_html(
        full_html=False,
        include_plotlyjs=plotly_js is None,
        div_id=SURFACE_DIV,
        auto_play=False,
        config=config,
    )
    part2 = contour.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=CONTOUR_DIV,
        auto_play=False,
        config=config,
    )
    esc = html_lib.escape
    script = "" if plotly_js is None else shared_script_tag(plotly_js) + "\n"
    page = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="losslandscape-provenance" content="{esc(provenance, quote=True)}">\n'
        f"<title>{esc(title)}</title>\n{script}</head>\n<body>\n"
        f"{part1}\n{part2}\n</body>\n</html>\n"
    )
    write_text(html_path, page)
    return frames


# ---------------------------------------------------------------------- figure jobs
def draw_interactive(job: FigureJob) -> str:
    """inputs.trajectories on inputs.grid as a plotly page; params.style and params.title."""
    style = str(job.value("style", "starts"))
    html = job.outputs["html"]
    frames = render_interactive(
        job.landscape(), job.tracks(style), html, style=style, options=job.options(),
        critical=job.critical(), provenance=job.provenance(), title=job.value("title", None),
        plotly_js=plotly_url(job.inputs.get("plotly_js"), html),
    )  # fmt: skip
    return f"wrote {html} ({len(frames)} frames)"
