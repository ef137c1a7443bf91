"""Snakemake script: 3D surface panels side by side, one per N (article Fig. 3).

input.grids (one grid per N) -> output.png; params: seed, pair, ns (N of each grid, same order),
render (partial render options, optional), provenance (optional JSON string).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.render import render_surfaces  # noqa: E402
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
    grids = list(sm.input.grids)
    ns = [int(n) for n in smk_value(sm, "ns")]
    if len(ns) != len(grids):
        raise ValueError(f"{len(grids)} grids but params.ns has {len(ns)} values")
    landscapes = [smk_landscape(sm, path=path, n=n) for path, n in zip(grids, ns, strict=True)]
    render_surfaces(
        landscapes,
        sm.output.png,
        options=smk_options(sm),
        provenance=smk_provenance(sm, "surfaces"),
    )
    log.info("wrote %s (%d panels)", sm.output.png, len(landscapes))
except Exception:
    log.exception("render_surfaces failed")
    raise
