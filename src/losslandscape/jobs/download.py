"""The job of the download stage: one canonical MNIST file, checksum-verified."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..data.mnist import fetch, mirror_list
from .common import log


def download_job(output: str, mirrors: Sequence[str]) -> None:
    """Fetch one canonical MNIST file into its folder, checksum-verified, from the mirrors.

    MNIST_MIRROR from the environment, when set, is tried first.
    """

    target = Path(output)
    tried = mirror_list(mirrors, os.environ)
    log.info("fetching %s into %s; mirrors in order: %s", target.name, target.parent, tried)
    path = fetch(target.name, tried, target.parent)
    log.info("done: %s", path)
