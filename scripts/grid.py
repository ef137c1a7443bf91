"""Snakemake script of rule `grid`: one loss-landscape grid."""

import os
import sys

# The repository's own package first, so that the workflow runs this checkout's code (also in
# a conda environment made from environment.yml, which does not install the package itself).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821
# The engine runs its own threads over sample blocks; one BLAS thread each avoids oversubscription.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from losslandscape.jobs import grid_job, log, setup_logging  # noqa: E402

sm = snakemake  # noqa: F821
setup_logging(sm.log[0])
try:
    grid_job(
        images=sm.input.images,
        labels=sm.input.labels,
        output=sm.output.grid,
        seed=int(sm.wildcards.seed),
        n=int(sm.wildcards.n),
        pair=sm.wildcards.pair,
        hidden=list(sm.params.hidden),
        a=list(sm.params.a),
        b=list(sm.params.b),
        resolution=int(sm.params.resolution),
        split=sm.params.split,
        threads=sm.threads,
    )
except Exception:
    log.exception("grid job failed")
    raise
