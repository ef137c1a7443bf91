"""Snakemake script of rule `critical_points`: stationary points of one landscape, classified."""

import os
import sys

# The repository's own package first, so that the workflow runs this checkout's code (also in
# a conda environment made from environment.yml, which does not install the package itself).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from losslandscape.analysis_jobs import critical_points_job  # noqa: E402
from losslandscape.jobs import log, setup_logging  # noqa: E402

sm = snakemake  # noqa: F821
setup_logging(sm.log[0])
try:
    critical_points_job(
        images=sm.input.images,
        labels=sm.input.labels,
        output=sm.output.critical,
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
    log.exception("critical_points job failed")
    raise
