"""Rule `trajectory`: one optimizer from one start point (run by `shell:`, see the rule).

Usage: trajectory.py JOB_JSON IMAGES LABELS OUTPUT LOG, JOB_JSON as common.smk's trajectory_job
writes it. A plain command instead of a `script:` saves Snakemake's preamble on every job.
"""

import json
import os
import sys
from pathlib import Path

# The repository's own package first, so that the workflow runs this checkout's code (also in
# a conda environment made from environment.yml, which does not install the package itself).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread per job; jobs run in parallel
os.environ.setdefault("OMP_NUM_THREADS", "1")

from losslandscape.jobs import log, setup_logging, trajectory_job  # noqa: E402

job_json, images, labels, output, log_path = sys.argv[1:6]
job = json.loads(job_json)
setup_logging(log_path)
try:
    trajectory_job(
        images=images,
        labels=labels,
        output=output,
        seed=job["seed"],
        n=job["n"],
        pair=job["pair"],
        hidden=job["hidden"],
        split=job["split"],
        optimizer=job["optimizer"],
        constants=job["constants"],
        start=job["start"],
        epochs=job["epochs"],
    )
except Exception:
    log.exception("trajectory job failed")
    raise
