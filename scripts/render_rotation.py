"""Snakemake script: the landscape turning in azimuth (article Fig. 7/8).

input.grid -> output.gif, output.png (last frame); params: seed, n, pair, title (optional),
render (optional), provenance (optional).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.render import render_rotation  # noqa: E402
from losslandscape.render.scripting import (  # noqa: E402
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
