"""Snakemake script of rule `basins`: one optimizer from every start of a grid, all at once."""

import os
import sys

# The repository's own package first, so that the workflow runs this checkout's code (also in
# a conda environment made from environment.yml, which does not install the package itself).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821
# The basin kernel runs its own threads over blocks of starts; one BLAS thread each.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from losslandscape.analysis_jobs import basins_job  # noqa: E402
from losslandscape.jobs import log, setup_logging  # noqa: E402

sm = snakemake  # noqa: F821
setup_logging(sm.log[0])
try:
    basins_job(
        images=sm.input.images,
        labels=sm.input.labels,
        critical=sm.input.critical,
        output=sm.output.basins,
        seed=int(sm.wildcards.seed),
        n=int(sm.wildcards.n),
        pair=sm.wildcards.pair,
        hidden=list(sm.params.hidden),
        a=list(sm.params.a),
        b=list(sm.params.b),
        resolution=int(sm.params.resolution),
        split=sm.params.split,
        optimizer=sm.wildcards.optimizer,
        constants=dict(sm.params.constants),
        epochs=int(sm.params.epochs),
        threads=sm.threads,
    )
except Exception:
    log.exception("basins job failed")
    raise
