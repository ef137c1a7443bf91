"""Snakemake script: fetch one canonical MNIST .gz file, checksum-verified, from the mirrors."""

import sys  # noqa: E402, I001

# The repository's own package first, so that the workflow runs this checkout's code (also in
# a conda environment made from environment.yml, which does not install the package itself).
sys.path.insert(0, f"{snakemake.scriptdir}/../src")  # noqa: F821


import logging
import os
import sys
from pathlib import Path

from losslandscape.mnist import DEFAULT_MIRRORS, MnistDownloadError, fetch, mirror_list

smk = snakemake  # noqa: F821 - injected by Snakemake's script: directive


def main() -> int:
    """Download snakemake.output[0] (named by its basename) and return the exit status."""
    output = Path(smk.output[0])
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(smk.log[0], mode="w")],
    )
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.ERROR)
    logging.getLogger().addHandler(stderr)
    log = logging.getLogger("download_mnist")

    # Mirrors are read from the config on purpose, not passed as params: the output is fixed by
    # its canonical checksum, so editing the mirror list must not make Snakemake rerun this job.
    configured = (smk.config.get("mnist") or {}).get("mirrors") or DEFAULT_MIRRORS
    mirrors = mirror_list(configured, os.environ)
    log.info("fetching %s into %s; mirrors in order: %s", output.name, output.parent, mirrors)
    try:
        path = fetch(output.name, mirrors, output.parent)
    except MnistDownloadError as exc:
        log.error("%s", exc)
        return 1
    except Exception:
        log.exception("unexpected error while fetching %s", output.name)
        return 1
    log.info("done: %s", path)
    return 0


sys.exit(main())
