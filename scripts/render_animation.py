"""Snakemake script: an animated figure (GIF) and its last frame (PNG), kind from params.figure.

params.figure: descent_3d (article Fig. 5), descent_2d (article Fig. 6), compare_3d or
compare_2d (the German notebook's optimizer comparison, one colour per optimizer).
input.grid, input.trajectories -> output.gif, output.png; params: seed, n, pair, names (start
or optimizer name of each trajectory; default: from the paths), style ("starts" |
"optimizers", descent only), render (optional), provenance (optional).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape import render  # noqa: E402
from losslandscape.render.scripting import (  # noqa: E402
    setup_logging,
    smk_landscape,
    smk_options,
    smk_provenance,
    smk_tracks,
    smk_value,
)

KINDS = ("descent_3d", "descent_2d", "compare_3d", "compare_2d")

sm = snakemake  # noqa: F821
log = setup_logging(sm.log[0])
try:
    kind = str(sm.params.figure)
    if kind not in KINDS:
        raise ValueError(f"params.figure = {kind!r}; allowed: {', '.join(KINDS)}")
    compare = kind.startswith("compare")
    style = "optimizers" if compare else str(smk_value(sm, "style", "starts"))
    frames = getattr(render, f"render_{kind}")(
        smk_landscape(sm),
        smk_tracks(sm, style),
        sm.output.gif,
        sm.output.png,
        options=smk_options(sm),
        provenance=smk_provenance(sm, kind),
        **({} if compare else {"style": style}),
    )
    log.info("wrote %s (%d frames) and %s", sm.output.gif, len(frames), sm.output.png)
except Exception:
    log.exception("render_animation failed")
    raise
