"""Snakemake script of rule `analysis_summary`: one row per landscape (Parquet and CSV)."""

import sys

# The repository's own package first, so that the workflow runs this checkout's code (also in
# a conda environment made from environment.yml, which does not install the package itself).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821

from losslandscape.analysis_jobs import summary_job  # noqa: E402
from losslandscape.jobs import log, setup_logging  # noqa: E402

sm = snakemake  # noqa: F821
setup_logging(sm.log[0])
try:
    summary_job(
        grids=list(sm.input.grids),
        critical=list(sm.input.critical),
        plateaus=list(sm.input.plateaus),
        trajectories=list(sm.input.trajectories),
        basin_maps=list(sm.input.basins),
        parquet=sm.output.parquet,
        csv=sm.output.csv,
    )
except Exception:
    log.exception("analysis summary job failed")
    raise
