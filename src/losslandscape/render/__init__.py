"""Figures of loss landscapes and optimizer trajectories (matplotlib GIF/PNG, plotly HTML).

Every function takes plain data (``Landscape``, ``Track``, ``CriticalPoints``, ``BasinMap``), a
partial options dict that is deep-merged onto ``DEFAULT_RENDER`` (its keys are documented in
``losslandscape.render.options``)
and a provenance string (JSON) that is embedded in the output: PNG text chunk "Description",
GIF comment, HTML ``<meta name="losslandscape-provenance">``. Files are written atomically and
byte-identically on re-runs. No Snakemake import.
"""

import importlib
from typing import Any

#: Public name -> submodule. Imported lazily (PEP 562): the workflow and the config checks read
#: only the options, and should not pay for importing matplotlib and plotly.
_WHERE = {
    "CRITICAL_KINDS": "data",
    "DEFAULT_RENDER": "options",
    "BasinMap": "data",
    "CriticalPoints": "data",
    "Landscape": "data",
    "Track": "data",
    "last_epoch": "data",
    "load_basins": "scripting",
    "load_critical": "scripting",
    "load_landscape": "scripting",
    "load_tracks": "scripting",
    "pair_labels": "data",
    "provenance_json": "scripting",
    "render_basins": "figures",
    "render_compare_2d": "figures",
    "render_compare_3d": "figures",
    "render_contact_sheet": "figures",
    "render_contour": "figures",
    "render_descent_2d": "figures",
    "render_descent_3d": "figures",
    "render_html": "html",
    "render_rotation": "figures",
    "render_surfaces": "figures",
    "resolve_options": "options",
    "rotation_azimuths": "figures",
    "select_frames": "options",
    "start_label": "data",
    "track_styles": "figures",
    "weight_label": "data",
}


def __getattr__(name: str) -> Any:
    """Import the submodule that defines `name` on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)


__all__ = [
    "CRITICAL_KINDS",
    "DEFAULT_RENDER",
    "BasinMap",
    "CriticalPoints",
    "Landscape",
    "Track",
    "last_epoch",
    "load_basins",
    "load_critical",
    "load_landscape",
    "load_tracks",
    "pair_labels",
    "provenance_json",
    "render_basins",
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
