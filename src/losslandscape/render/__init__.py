"""Figures of loss landscapes and optimizer trajectories (matplotlib GIF/PNG, plotly HTML).

Every renderer takes plain data (``Landscape``, ``Track``, ``CriticalPoints``, ``BasinMap``), a
partial options dict that is deep-merged onto ``DEFAULT_RENDER`` (its keys are documented in
``losslandscape.render.options``) and a provenance string (JSON) that is embedded in the output:
PNG text chunk "Description", GIF comment, HTML ``<meta name="losslandscape-provenance">``.
Files are written atomically and byte-identically on re-runs. A kind's ``render_*`` builds its
figure with the module's ``build_*`` (which returns it: a matplotlib Figure laid out, plotly
figures, or a ``GifAnimation`` in memory; what ``losslandscape.api.figures`` shows in notebooks)
and saves it. The figure kinds of the workflow and how a job draws each are in
``losslandscape.render.registry``. No Snakemake import.

Modules, by what they draw: ``surfaces`` (3D surfaces side by side, contact sheet, rotation),
``contour`` (contour plot with trajectories, basin map), ``animation`` (descent and comparison
GIFs), ``interactive`` (plotly page), ``planes`` (planes through all weights with the runs'
paths), ``curves`` (training curves, line plots); ``common`` holds what they share.
"""
