"""Snakemake script: contact sheet of small surfaces, one per seed (the article's seed sweep).

input.grids (one grid per seed) -> output.png; params: seeds (same order as grids), n, pair,
render (optional), provenance (optional).
"""

import sys

sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.render import render_contact_sheet  # noqa: E402
from losslandscape.render.data import pair_labels  # noqa: E402
from losslandscape.render.scripting import (  # noqa: E402
    load_landscape,
    setup_logging,
    smk_options,
    smk_provenance,
)

sm = snakemake  # noqa: F821
log = setup_logging(sm.log[0])
try:
    grids = list(sm.input.grids)
    seeds = [int(s) for s in sm.params.seeds]
    if len(seeds) != len(grids):
        raise ValueError(f"{len(grids)} grids but params.seeds has {len(seeds)} values")
    pair = sm.wildcards.pair
    landscapes = [
        load_landscape(path, pair=pair, seed=seed) for path, seed in zip(grids, seeds, strict=True)
    ]
    label_a, label_b = pair_labels(pair)
    render_contact_sheet(
        landscapes,
        sm.output.png,
        options=smk_options(sm),
        provenance=smk_provenance(sm, "gallery"),
        title=f"{label_a} and {label_b}, N = {int(sm.wildcards.n):,}",
    )
    log.info("wrote %s (%d seeds)", sm.output.png, len(landscapes))
except Exception:
    log.exception("render_gallery failed")
    raise
