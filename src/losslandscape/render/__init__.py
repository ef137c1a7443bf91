"""Figures of loss landscapes and optimizer trajectories (matplotlib GIF/PNG, plotly HTML).

Every function takes plain data (``Landscape``, ``Track``), a partial options dict that is
deep-merged onto ``DEFAULT_RENDER`` (its keys are documented in ``losslandscape.render.options``)
and a provenance string (JSON) that is embedded in the output: PNG text chunk "Description",
GIF comment, HTML ``<meta name="losslandscape-provenance">``. Files are written atomically and
byte-identically on re-runs. No Snakemake import.
"""

from .data import Landscape, Track, last_epoch, pair_labels, start_label, weight_label
from .figures import (
    render_compare_2d,
    render_compare_3d,
    render_contact_sheet,
    render_contour,
    render_descent_2d,
    render_descent_3d,
    render_rotation,
    render_surfaces,
    rotation_azimuths,
    track_styles,
)
from .html import render_html
from .options import DEFAULT_RENDER, resolve_options, select_frames
from .scripting import load_landscape, load_tracks, provenance_json

__all__ = [
    "DEFAULT_RENDER",
    "Landscape",
    "Track",
    "last_epoch",
    "load_landscape",
    "load_tracks",
    "pair_labels",
    "provenance_json",
    "render_compare_2d",
    "render_compare_3d",
    "render_contact_sheet",
    "render_contour",
    "render_descent_2d",
    "render_descent_3d",
    "render_html",
    "render_rotation",
    "render_surfaces",
    "resolve_options",
    "rotation_azimuths",
    "select_frames",
    "start_label",
    "track_styles",
    "weight_label",
]
