"""Snakemake script of rule `trajectory`: one optimizer from one start point."""

import os
import sys

# The repository's own package first, so that the workflow runs this checkout's code (also in
# a conda environment made from environment.yml, which does not install the package itself).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread per job; jobs run in parallel
os.environ.setdefault("OMP_NUM_THREADS", "1")

from losslandscape.jobs import log, setup_logging, trajectory_job  # noqa: E402

sm = snakemake  # noqa: F821
setup_logging(sm.log[0])
try:
    trajectory_job(
        images=sm.input.images,
        labels=sm.input.labels,
        output=sm.output.trajectory,
        seed=int(sm.wildcards.seed),
        n=int(sm.wildcards.n),
        pair=sm.wildcards.pair,
        hidden=list(sm.params.hidden),
        split=sm.params.split,
        optimizer=sm.wildcards.optimizer,
        constants=dict(sm.params.constants),
        start=list(sm.params.start),
        epochs=int(sm.params.epochs),
    )
except Exception:
    log.exception("trajectory job failed")
    raise
