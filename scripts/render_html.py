"""Snakemake script: interactive, self-contained plotly page (German notebook).

input.grid, input.trajectories, input.critical (optional: critical points marked by kind)
-> output.html; params: seed, n, pair, names (default: from the paths), style ("starts" |
"optimizers"), title (optional), render (optional), provenance (optional).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.render import render_html  # noqa: E402
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
    frames = render_html(
        smk_landscape(sm),
        smk_tracks(sm, style),
        sm.output.html,
        style=style,
        options=smk_options(sm),
        critical=smk_critical(sm),
        provenance=smk_provenance(sm, "html"),
        title=smk_value(sm, "title", None),
    )
    log.info("wrote %s (%d frames)", sm.output.html, len(frames))
except Exception:
    log.exception("render_html failed")
    raise
