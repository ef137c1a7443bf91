"""Snakemake script: 2D gradient-descent GIF: contour with paths, loss graph below (article Fig. 6).

input.grid, input.trajectories -> output.gif, output.png (last frame);
params: seed, n, pair, names (start or optimizer name of each trajectory; default: from
the paths), style ("starts" | "optimizers"), render (optional), provenance (optional).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.render import render_descent_2d  # noqa: E402
from losslandscape.render.scripting import (  # noqa: E402
    setup_logging,
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
    frames = render_descent_2d(
        smk_landscape(sm),
        smk_tracks(sm, style),
        sm.output.gif,
        sm.output.png,
        style=style,
        options=smk_options(sm),
        provenance=smk_provenance(sm, "descent_2d"),
    )
    log.info("wrote %s (%d frames) and %s", sm.output.gif, len(frames), sm.output.png)
except Exception:
    log.exception("render_descent_2d failed")
    raise
