"""The source documents' MLP: sigmoid after every layer, no biases, RandomState(seed) weights."""

from __future__ import annotations

import numpy as np

from .names import Weight, layer_sizes


def init_weights(seed: int, hidden: list[int] | tuple[int, ...]) -> list[np.ndarray]:
    """Fresh weights in the source documents' order: rng.randn(out, in), layer by layer."""
    rng = np.random.RandomState(int(seed))
    sizes = layer_sizes(hidden)
    return [rng.randn(sizes[k + 1], sizes[k]) for k in range(len(sizes) - 1)]


def sigmoid_(z: np.ndarray) -> np.ndarray:
    """In-place logistic function 1/(1+exp(-z)); exp overflow gives the exact limit 0."""
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)
    return z


def set_weight(weights: list[np.ndarray], w: Weight, value: float) -> None:
    """Set one chosen weight in place."""
    weights[w.layer][w.row, w.col] = value
