"""Snakemake script: optimizer comparison, 2D GIF: contour + loss graph (German notebook).

input.grid, input.trajectories -> output.gif, output.png (last frame);
params: seed, n, pair, names (optimizer of each trajectory; default: the parent directory
of each path), render (optional), provenance (optional).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.render import render_compare_2d  # noqa: E402
from losslandscape.render.scripting import (  # noqa: E402
    setup_logging,
    smk_landscape,
    smk_options,
    smk_provenance,
    smk_tracks,
)

sm = snakemake  # noqa: F821
log = setup_logging(sm.log[0])
try:
    style = "optimizers"
    frames = render_compare_2d(
        smk_landscape(sm),
        smk_tracks(sm, style),
        sm.output.gif,
        sm.output.png,
        options=smk_options(sm),
        provenance=smk_provenance(sm, "compare_2d"),
    )
    log.info("wrote %s (%d frames) and %s", sm.output.gif, len(frames), sm.output.png)
except Exception:
    log.exception("render_compare_2d failed")
    raise
