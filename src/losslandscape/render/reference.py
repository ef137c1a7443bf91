"""Deliberately naive renderers: the test oracles and benchmark baselines of the figure engine.

Each builds every frame of an animation anew, the way a plotting loop written from the source
documents would; the engine's shortcuts (one figure, only the view or the moving artists
changing per frame) must give the same pixels.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from .data import Landscape
from .options import resolve_options
from .output import canvas_rgb, write_gif
from .surfaces import rotation_azimuths, rotation_figure


def naive_rotation_frame(
    landscape: Landscape, i: int, options: Mapping[str, Any] | None = None
) -> np.ndarray:
    """Frame `i` of the rotating GIF from a figure built for it alone (RGB)."""
    o = resolve_options(options)["rotation"]
    fig, ax = rotation_figure(landscape, options)
    ax.view_init(elev=o["elev"], azim=rotation_azimuths(options)[i])
    fig.canvas.draw()
    return canvas_rgb(fig)


def naive_render_rotation(
    landscape: Landscape,
    gif_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str] | None,
    *,
    options: Mapping[str, Any] | None = None,
) -> None:
    """The rotating GIF with every frame drawn anew (same look, size and GIF writer)."""
    o = resolve_options(options)["rotation"]
    write_gif(
        gif_path,
        png_path,
        lambda i: naive_rotation_frame(landscape, i, options),
        len(rotation_azimuths(options)),
        fps=float(o["fps"]),
        loop=int(o["loop"]),
        provenance="",
    )
