"""What a job works on, as small immutable values: the landscape, its grid, an optimizer.

The workflow builds these from wildcards and params; the jobs (losslandscape.jobs) and the tests
take them as they are. `meta()` gives the fields that go into a result file's provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .data.mnist import SPLIT_SIZE

#: Held-out images when the runs train on the test split: its last HELDOUT_TEST_N images.
HELDOUT_TEST_N = 5000


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
    """The whole network of one seed on the first N images: what training runs start from and
    planes and lines work on. `init` is how its weights are drawn (network.model.INITS)."""

    seed: int
    n: int
    hidden: tuple[int, ...]
    split: str
    init: str = "seeds"

    def meta(self) -> dict[str, Any]:
        """Provenance fields of every file computed on this network."""
        return {
            "seed": self.seed,
            "n": self.n,
            "hidden": list(self.hidden),
            "split": self.split,
            "init": self.init,
        }


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


def heldout_images(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The held-out images {split, first, n} of the (validated) config, None for none.

    auto: the whole test split when the runs train on the train split, the test split's last
    HELDOUT_TEST_N images when they train on the test split.
    """
    given = config["training"].get("heldout", "auto")
    if given is None:
        return None
    if given == "auto":
        if config["mnist"]["split"] == "train":
            return {"split": "test", "first": 0, "n": SPLIT_SIZE["test"]}
        first = SPLIT_SIZE["test"] - HELDOUT_TEST_N
        return {"split": "test", "first": first, "n": HELDOUT_TEST_N}
    return {"split": str(given["split"]), "first": int(given["first"]), "n": int(given["n"])}
