"""Snakemake script: the landscape turning in azimuth (article Fig. 7/8).

input.grid -> output.gif, output.png (last frame); params: seed, n, pair, title (optional),
render (optional), provenance (optional).
"""

from losslandscape.render import render_rotation
from losslandscape.render.scripting import (
    setup_logging,
    smk_landscape,
    smk_options,
    smk_provenance,
    smk_value,
)

sm = snakemake  # noqa: F821
log = setup_logging(sm.log[0])
try:
    azims = render_rotation(
        smk_landscape(sm),
        sm.output.gif,
        sm.output.png,
        options=smk_options(sm),
        provenance=smk_provenance(sm, "rotation"),
        title=smk_value(sm, "title", None),
    )
    log.info("wrote %s (%d frames) and %s", sm.output.gif, len(azims), sm.output.png)
except Exception:
    log.exception("render_rotation failed")
    raise
