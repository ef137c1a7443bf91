"""Animated descents (article Figs. 5 and 6) and optimizer comparisons (German notebook), as GIF.

The static part (surface or contours, axes, labels) is drawn once and its pixels kept; per frame
they are restored and only the moving artists (paths, markers, the "epochs: k" legend) are
drawn on top. Frames go to the GIF writer as ready pixels, so no frame redraws the surface; the
source documents' way (celluloid) re-renders the whole 3D surface for every frame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .common import (
    PathLike,
    TrackStyle,
    contour_background,
    draw_surface,
    legend_loc,
    mark_points,
    new_figure,
    style_3d_axes,
    track_styles,
)
from .data import Landscape, Track, last_epoch
from .options import resolve_options, select_frames
from .output import GifAnimation, canvas_rgb, encode_gif

if TYPE_CHECKING:
    from .registry import FigureJob


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
        loc=legend_loc(o["legend_loc"]),
        fontsize=o["legend_fontsize"],
        title="epochs: 0",
        title_fontsize=o["legend_fontsize"],
    )


def _check_tracks(tracks: Sequence[Track]) -> None:
    """Refuse to animate nothing."""
    if not tracks:
        raise ValueError("an animation needs at least one trajectory")


@dataclass(frozen=True)
class _Animation:
    """What every animation starts from: its options section, track styles, frames, figure."""

    o: dict[str, Any]
    styles: list[TrackStyle]
    frames: list[int]
    fig: Figure

    @classmethod
    def start(
        cls, tracks: Sequence[Track], kind: str, style: str, options: Mapping[str, Any] | None
    ) -> _Animation:
        """Resolve section `kind` of the options, style the tracks, select frames, new figure."""
        _check_tracks(tracks)
        opts = resolve_options(options)
        o = opts[kind]
        styles = track_styles(tracks, style, opts["styles"])
        frames = select_frames(o["frames"], last_epoch(tracks), source=kind)
        return cls(o, styles, frames, new_figure(o["figsize"], o["dpi"]))

    def play(
        self,
        legend_ax: Any,
        animated: list[Any],
        move: Callable[[int], None],
        provenance: str,
    ) -> GifAnimation:
        """Add the 'epochs: k' legend, keep the static pixels, encode the GIF.

        Per frame, `move(epoch)` brings the `animated` artists to that epoch.
        """
        o, fig, frames = self.o, self.fig, self.frames
        legend = _epoch_legend(legend_ax, self.styles, o, float(o["linewidth"]))
        animated.append(legend)
        fig.tight_layout()
        blitter = _Blitter(fig, animated)

        def render_frame(i: int) -> np.ndarray:
            epoch = frames[i]
            move(epoch)
            legend.set_title(f"epochs: {epoch}")
            return blitter.frame()

        return encode_gif(
            render_frame,
            len(frames),
            fps=float(o["fps"]),
            loop=int(o["loop"]),
            provenance=provenance,
            epochs=frames,
        )


Scene = tuple[Any, list[Any], Callable[[int], None]]


def _scene_3d(anim: _Animation, land: Landscape, tracks: Sequence[Track]) -> Scene:
    """The surface with every track's start, growing line and current point (article Fig. 5).

    Returns the legend's axes, the animated artists and the update that moves them to an epoch.
    """
    o, fig = anim.o, anim.fig
    ax = fig.add_subplot(111, projection="3d", computed_zorder=False)
    ax.view_init(elev=o["elev"], azim=o["azim"])
    style_3d_axes(ax, land, o)
    draw_surface(ax, land, o, zorder=1)
    ax.set_zlim(*(land.zrange if o["zlim"] is None else (o["zlim"][0], o["zlim"][1])))
    lw = float(o["linewidth"])
    moving: list[tuple[Track, Any, Any]] = []
    animated: list[Any] = []
    for track, st in zip(tracks, anim.styles, strict=True):
        (start,) = mark_points(
            ax,
            track.w_a[:1],
            track.w_b[:1],
            track.cost[:1],
            size=o["start_marker_size"],
            color=st.marker_color,
            axlim_clip=True,
            zorder=3,
        )
        (line,) = ax.plot(
            [], [], [], linestyle=st.linestyle, linewidth=lw, color=st.color, axlim_clip=True
        )
        (head,) = mark_points(
            ax, [], [], [], size=o["marker_size"], color=st.marker_color, axlim_clip=True
        )
        moving.append((track, line, head))
        animated += [start, line, head]

    def move(epoch: int) -> None:
        for track, line, head in moving:
            k = track.upto(epoch)
            line.set_data_3d(track.w_a[:k], track.w_b[:k], track.cost[:k])
            head.set_data_3d(track.w_a[k - 1 : k], track.w_b[k - 1 : k], track.cost[k - 1 : k])

    return ax, animated, move


def _loss_limits(tracks: Sequence[Track], until: int) -> tuple[float, float]:
    """Return padded y-limits covering every finite cost up to epoch ``until``."""
    values = [t.cost[: t.upto(until)] for t in tracks]
    finite = np.concatenate([v[np.isfinite(v)] for v in values])
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi) * 0.05, 0.5)
    return lo - pad, hi + pad


def _scene_2d(anim: _Animation, land: Landscape, tracks: Sequence[Track]) -> Scene:
    """The contour with growing paths above, the cost per epoch below (article Fig. 6).

    Returns the legend's axes, the animated artists and the update that moves them to an epoch.
    """
    o, frames, fig = anim.o, anim.frames, anim.fig
    ax0 = fig.add_subplot(2, 1, 1)
    ax1 = fig.add_subplot(2, 1, 2)
    ax0.set_xlabel(land.label_a, fontsize=o["label_fontsize"], labelpad=0)
    ax0.set_ylabel(land.label_b, fontsize=o["label_fontsize"])
    ax0.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    ax1.set_xlabel("epochs", fontsize=o["loss_label_fontsize"], labelpad=5)
    ax1.set_ylabel("costs", fontsize=o["label_fontsize"], labelpad=7)
    ax1.tick_params(axis="both", which="major", labelsize=o["tick_labelsize"])
    contour_background(ax0, land, o)
    ax1.set_xlim(0, max(frames[-1], 1))
    ax1.set_ylim(*_loss_limits(tracks, frames[-1]))
    lw = float(o["linewidth"])
    moving: list[tuple[Track, Any, Any, Any]] = []
    animated: list[Any] = []
    for track, st in zip(tracks, anim.styles, strict=True):
        mark_points(
            ax0, track.w_a[:1], track.w_b[:1], size=o["marker_size"] * 0.6, color=st.marker_color
        )
        (line,) = ax0.plot([], [], linestyle=st.linestyle, linewidth=lw, color=st.color)
        (head,) = mark_points(ax0, [], [], size=o["marker_size"], color=st.marker_color)
        (loss,) = ax1.plot([], [], linestyle=st.linestyle, linewidth=lw, color=st.color)
        moving.append((track, line, head, loss))
        animated += [line, head, loss]

    def move(epoch: int) -> None:
        for track, line, head, loss in moving:
            k = track.upto(epoch)
            line.set_data(track.w_a[:k], track.w_b[:k])
            head.set_data(track.w_a[k - 1 : k], track.w_b[k - 1 : k])
            loss.set_data(track.epoch[:k], track.cost[:k])

    return ax0, animated, move


#: The animated scenes by name: "3d" the surface, "2d" the contour above the loss graph.
SCENES = {"3d": _scene_3d, "2d": _scene_2d}


#: The animated kinds of one pair landscape: scene and default track style of each.
ANIMATIONS = {
    "descent3d": ("3d", "starts"),
    "descent2d": ("2d", "starts"),
    "compare3d": ("3d", "optimizers"),
    "compare2d": ("2d", "optimizers"),
}


def build_animation(
    land: Landscape,
    tracks: Sequence[Track],
    *,
    scene: str,
    kind: str,
    style: str,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> GifAnimation:
    """Every descent and comparison GIF (a scene of SCENES, options section `kind`), in memory.

    `provenance` becomes the GIF's comment and the epochs of the frames are kept.
    """
    if scene not in SCENES:
        raise ValueError(f"scene must be one of {sorted(SCENES)}, got {scene!r}")
    anim = _Animation.start(tracks, kind, style, options)
    legend_ax, animated, move = SCENES[scene](anim, land, tracks)
    return anim.play(legend_ax, animated, move, provenance)


def animate(
    land: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    *,
    scene: str,
    kind: str,
    style: str,
    options: Mapping[str, Any] | None = None,
    provenance: str = "",
) -> list[int]:
    """Write build_animation's GIF and its last frame as PNG; returns the frames' epochs."""
    result = build_animation(
        land, tracks, scene=scene, kind=kind, style=style, options=options, provenance=provenance
    )
    result.save(gif_path)
    if png_path is not None:
        result.save_still(png_path, provenance)
    return list(result.epochs)


def render_descent3d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    **kw: Any,
) -> list[int]:
    """The 3D gradient-descent GIF (article Fig. 5) and its last frame as PNG.

    Keywords: style ("starts" or "optimizers"), options, provenance.
    """
    kw.setdefault("style", "starts")
    return animate(landscape, tracks, gif_path, png_path, scene="3d", kind="descent3d", **kw)


def render_descent2d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    **kw: Any,
) -> list[int]:
    """The contour + loss-graph GIF (article Fig. 6) and its last frame; keywords as descent3d."""
    kw.setdefault("style", "starts")
    return animate(landscape, tracks, gif_path, png_path, scene="2d", kind="descent2d", **kw)


def render_compare3d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    **kw: Any,
) -> list[int]:
    """The optimizer-comparison 3D GIF, one colour per optimizer (Track.name).

    Keywords: options, provenance.
    """
    return animate(
        landscape,
        tracks,
        gif_path,
        png_path,
        scene="3d",
        kind="compare3d",
        style="optimizers",
        **kw,
    )


def render_compare2d(
    landscape: Landscape,
    tracks: Sequence[Track],
    gif_path: PathLike,
    png_path: PathLike | None,
    **kw: Any,
) -> list[int]:
    """The optimizer-comparison contour + loss GIF and its last frame; options, provenance."""
    return animate(
        landscape,
        tracks,
        gif_path,
        png_path,
        scene="2d",
        kind="compare2d",
        style="optimizers",
        **kw,
    )


# ---------------------------------------------------------------------- figure jobs
def _draw(job: FigureJob, render: Any, style: str | None) -> str:
    """Shared body of the four animated kinds: GIF and its last frame as PNG.

    Comparisons colour by optimizer; descents take params.style (default "starts").
    """
    kw = {} if style is None else {"style": style}
    gif, png = job.outputs["gif"], job.outputs["png"]
    frames = render(
        job.landscape(), job.tracks(style or "optimizers"), gif, png, options=job.options(),
        provenance=job.provenance(), **kw,
    )  # fmt: skip
    return f"wrote {gif} ({len(frames)} frames) and {png}"


def draw_descent3d(job: FigureJob) -> str:
    """Article Fig. 5: every start of one optimizer descending the surface."""
    return _draw(job, render_descent3d, str(job.value("style", "starts")))


def draw_descent2d(job: FigureJob) -> str:
    """Article Fig. 6: every start of one optimizer on the contour, cost per epoch below."""
    return _draw(job, render_descent2d, str(job.value("style", "starts")))


def draw_compare3d(job: FigureJob) -> str:
    """German notebook: every optimizer from one start on the surface."""
    return _draw(job, render_compare3d, None)


def draw_compare2d(job: FigureJob) -> str:
    """German notebook: every optimizer from one start on the contour, cost per epoch below."""
    return _draw(job, render_compare2d, None)
