"""The workflow's jobs, one module per stage; `rules` is the Snakemake adapter.

A job started outside Snakemake runs BLAS on one thread unless told otherwise: set here, before
any job module loads numpy. Inside Snakemake, OPENBLAS_NUM_THREADS is the job's `threads`.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
