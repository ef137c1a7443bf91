"""What every job shares: its log, the MNIST inputs (verified), provenance, the surfaces.

The surfaces a job computes on are built here from its files: a pair landscape from MNIST and
the seed's network, a plane from MNIST and its directions file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import __version__
from ..data.idx import load_split
from ..data.mnist import CANONICAL_MD5, verify
from ..landscape.pair import PairSlice
from ..landscape.surface import PAIR_COORDINATES, PLANE_COORDINATES
from ..network.model import init_weights
from ..network.names import parse_pair
from ..specs import GridSpec, LandscapeSpec, NetworkSpec
from .readers import directions_meta, read_directions

log = logging.getLogger("losslandscape")


@contextlib.contextmanager
def job_log(path: str | None, what: str) -> Iterator[logging.Logger]:
    """Send log records and warnings to the job's log file (stderr when None) for the block.

    An exception is logged with its traceback, then raised again so that the job fails.
    """
    handler: logging.Handler
    handler = (
        logging.FileHandler(path, mode="w", encoding="utf-8") if path else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        yield log
    except BaseException:
        log.exception("%s job failed", what)
        raise
    finally:
        root.removeHandler(handler)
        handler.close()


def load_data(images: str, labels: str, n: int, first: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Samples first .. first + n - 1 (inputs, one-hot targets), after checking both files'
    canonical MD5."""
    verify(images)
    verify(labels)
    return load_split(images, labels, n, first=first)


@dataclass(frozen=True)
class HeldoutImages:
    """The held-out images no run trains on: images first .. first + n - 1 of a split's files."""

    images: str
    labels: str
    split: str
    first: int
    n: int

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """The held-out inputs and one-hot targets (files verified first)."""
        return load_data(self.images, self.labels, self.n, self.first)

    def meta(self) -> dict[str, Any]:
        """Which images, for the provenance of every file computed on them."""
        return {"split": self.split, "first": self.first, "n": self.n}


def provenance(images: str, labels: str, **params: Any) -> dict[str, Any]:
    """A result's metadata: its parameters, the MNIST files' canonical MD5s, the package version."""
    files = [os.path.basename(images), os.path.basename(labels)]
    return {
        **params,
        "mnist_md5": {name: CANONICAL_MD5[name] for name in files},
        "losslandscape_version": __version__,
    }


@dataclass(frozen=True)
class JobInputs:
    """The MNIST files a job reads; subclasses add where it computes (`where`, its surface)."""

    images: str
    labels: str

    def where(self) -> dict[str, Any]:
        """What the job's files record about where they were computed."""
        raise NotImplementedError

    def provenance(self, **params: Any) -> dict[str, Any]:
        """A result's metadata: where, the parameters, the MNIST files, the package version."""
        return provenance(self.images, self.labels, **self.where(), **params)


@dataclass(frozen=True)
class PairInputs(JobInputs):
    """What a job on a pair landscape reads: the MNIST files and the landscape (seed, N, pair)."""

    landscape: LandscapeSpec

    coordinates = PAIR_COORDINATES

    def surface(self, threads: int = 1) -> PairSlice:
        """The frozen network and data of the landscape."""
        x, y = load_data(self.images, self.labels, self.landscape.n)
        wa, wb = parse_pair(self.landscape.pair)
        weights = init_weights(self.landscape.seed, list(self.landscape.hidden))
        return PairSlice(weights, x, y, wa, wb, threads=threads)

    def where(self) -> dict[str, Any]:
        """The landscape's seed, N, pair, network and split."""
        return self.landscape.meta()


@dataclass(frozen=True)
class PlaneInputs(JobInputs):
    """What a job on a plane reads: the MNIST files, the plane's directions file, its network
    (seed, N) and its name."""

    directions: str
    network: NetworkSpec
    plane: str

    coordinates = PLANE_COORDINATES

    def surface(self, threads: int = 1) -> Any:
        """The plane through the network's first N samples, as a Surface (PlaneSurface)."""
        from ..landscape.plane import PlaneSurface  # here: pair jobs never load the plane code

        x, y = load_data(self.images, self.labels, self.network.n)
        centre, d1, d2 = read_directions(self.directions)
        return PlaneSurface(centre, d1, d2, x, y, list(self.network.hidden), threads=threads)

    def where(self) -> dict[str, Any]:
        """The network, the plane's name and its directions file's record of the kind (centre
        run, explained variance or eigenvalues)."""
        meta = directions_meta(self.directions)
        return {**self.network.meta(), "plane": self.plane, "directions": meta}


def log_written(output: str, t0: float, found: str = "") -> None:
    """Log what the job found and that it wrote `output`, with the seconds since t0."""
    log.info(
        "%swrote %s in %.2f s", f"{found}; " if found else "", output, time.perf_counter() - t0
    )


def grid_columns(grid: GridSpec, names: tuple[str, str] = PAIR_COORDINATES) -> dict[str, Any]:
    """Both coordinates of every grid point in numpy.meshgrid ravel order (the first fastest)."""
    m1, m2 = np.meshgrid(*grid.axes())
    return {names[0]: m1.ravel(), names[1]: m2.ravel()}
