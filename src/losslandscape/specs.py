"""What a job works on, as small immutable values: the landscape, its grid, an optimizer.

The workflow builds these from wildcards and params; the jobs (losslandscape.jobs) and the tests
take them as they are. `meta()` gives the fields that go into a result file's provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LandscapeSpec:
    """J over two weights of one network: seed of the initialisation, first N images, the pair."""

    seed: int
    n: int
    pair: str
    hidden: tuple[int, ...]
    split: str

    def meta(self) -> dict[str, Any]:
        """Provenance fields of every file computed on this landscape."""
        return {
            "seed": self.seed,
            "n": self.n,
            "pair": self.pair,
            "hidden": list(self.hidden),
            "split": self.split,
        }


@dataclass(frozen=True)
class NetworkSpec:
    """The whole network of one seed on the first N images: what planes and lines work on."""

    seed: int
    n: int
    hidden: tuple[int, ...]
    split: str

    def meta(self) -> dict[str, Any]:
        """Provenance fields of every file computed on this network."""
        return {"seed": self.seed, "n": self.n, "hidden": list(self.hidden), "split": self.split}


@dataclass(frozen=True)
class GridSpec:
    """A resolution x resolution grid over the ranges a (of w_a) and b (of w_b)."""

    a: tuple[float, float]
    b: tuple[float, float]
    resolution: int

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """numpy.linspace over each range: the same axes for every job on this grid."""
        return (
            np.linspace(self.a[0], self.a[1], self.resolution),
            np.linspace(self.b[0], self.b[1], self.resolution),
        )

    def meta(self) -> dict[str, Any]:
        """Provenance fields of a file computed on this grid."""
        return {"a": list(self.a), "b": list(self.b), "resolution": self.resolution}


@dataclass(frozen=True)
class OptimizerSpec:
    """An update rule by name and its full constants (defaults filled)."""

    name: str
    constants: dict[str, float] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        """Provenance fields of a file an optimizer made."""
        return {"optimizer": self.name, "constants": dict(self.constants)}
