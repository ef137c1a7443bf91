"""Snakemake script: filled contour + dashed contour lines with full trajectories.

input.grid, input.trajectories, input.critical (optional: critical points marked by kind)
-> output.png; params: seed, n, pair, names (start or optimizer name of each trajectory;
default: from the paths), style ("starts" | "optimizers"), render (optional),
provenance (optional).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.render import render_contour  # noqa: E402
from losslandscape.render.scripting import (  # noqa: E402
    setup_logging,
    smk_critical,
    smk_landscape,
    smk_options,
    smk_provenance,
    smk_tracks,
    smk_value,
)

sm = snakemake  # noqa: F821
log = setup_logging(sm.log[0])
try:
    style = str(smk_value(sm, "style", "starts"))
    render_contour(
        smk_landscape(sm),
        smk_tracks(sm, style),
        sm.output.png,
        style=style,
        options=smk_options(sm),
        critical=smk_critical(sm),
        provenance=smk_provenance(sm, "contour"),
    )
    log.info("wrote %s", sm.output.png)
except Exception:
    log.exception("render_contour failed")
    raise
