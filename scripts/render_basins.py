"""Snakemake script: basin map, every start coloured by the minimum its optimizer reached.

input.basins (basins_{optimizer}.parquet), input.critical (critical_points.parquet), input.grid
(optional: dashed contour lines) -> output.png; params: seed, n, pair (labels), optimizer
(wildcard), render (optional), provenance (optional).
"""

import sys

# This checkout's package first (as the other scripts: works without installing it).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.io import read_metadata  # noqa: E402
from losslandscape.render import load_basins, render_basins  # noqa: E402
from losslandscape.render.scripting import (  # noqa: E402
    setup_logging,
    smk_critical,
    smk_landscape,
    smk_options,
    smk_provenance,
    smk_value,
)

sm = snakemake  # noqa: F821
log = setup_logging(sm.log[0])
try:
    meta = read_metadata(sm.input.basins)
    landscape = smk_landscape(sm) if getattr(sm.input, "grid", None) else None
    optimizer = str(smk_value(sm, "optimizer", meta.get("optimizer", "")))
    labels = smk_options(sm).get("styles", {}).get("optimizer_labels", {})
    name = labels.get(optimizer, optimizer)
    what = f"basins of {name}, {meta['epochs']:,} epochs"
    shares = render_basins(
        load_basins(sm.input.basins),
        sm.output.png,
        landscape=landscape,
        critical=smk_critical(sm),
        options=smk_options(sm),
        provenance=smk_provenance(sm, "basins"),
        what=what,
    )
    log.info("wrote %s; shares of starts: %s", sm.output.png, shares)
except Exception:
    log.exception("render_basins failed")
    raise
