"""The source documents' MLP: layer sizes, RandomState(seed) weights, sigmoids, flat theta.

784 -> hidden... -> 10, sigmoid after every layer, no biases. A whole network is one flat
vector theta: w0, w1, ... each raveled row-major and concatenated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INPUT_SIZE = 784
OUTPUT_SIZE = 10

Hidden = Sequence[int]


def layer_sizes(hidden: Hidden) -> list[int]:
    """Unit counts of every layer from input to output, e.g. [784, 50, 500, 10]."""
    return [INPUT_SIZE, *[int(h) for h in hidden], OUTPUT_SIZE]


#: Initialisations of a whole network: "seeds" is the source documents' RandomState(seed).randn
#: per layer; "scaled" is the same draws, each layer's divided by the square root of its fan-in.
INITS = ("seeds", "scaled")


def init_weights(seed: int, hidden: Hidden, init: str = "seeds") -> list[np.ndarray]:
    """Fresh weights in the source documents' order: rng.randn(out, in), layer by layer.

    With init "scaled" each layer's draws are divided by sqrt(in), its fan-in (the same stream
    in the same order, so "seeds" and "scaled" networks of a seed differ only by that factor).
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; allowed: {', '.join(INITS)}")
    rng = np.random.RandomState(int(seed))
    sizes = layer_sizes(hidden)
    weights = [rng.randn(sizes[k + 1], sizes[k]) for k in range(len(sizes) - 1)]
    if init == "scaled":
        for k, w in enumerate(weights):
            w /= np.sqrt(sizes[k])
    return weights


def sigmoid_(z: np.ndarray) -> np.ndarray:
    """In-place logistic function 1/(1+exp(-z)); exp overflow gives the exact limit 0."""
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)
    return z


def sigmoid_neg_(s: np.ndarray) -> np.ndarray:
    """In place: s, holding a negated pre-activation -z, becomes the logistic 1/(1+exp(-z)).

    Taking -z saves a negation pass, and numpy's division beats its reciprocal; overflow of exp
    gives the exact limit 0.
    """
    with np.errstate(over="ignore"):
        np.exp(s, out=s)
    s += 1.0
    np.divide(1.0, s, out=s)
    return s


def shapes(hidden: Hidden) -> list[tuple[int, int]]:
    """(rows, columns) of every weight matrix, input layer first."""
    sizes = layer_sizes(list(hidden))
    return [(sizes[k + 1], sizes[k]) for k in range(len(sizes) - 1)]


def n_weights(hidden: Hidden) -> int:
    """Number of weights P of the network, the length of a flat theta."""
    return sum(r * c for r, c in shapes(hidden))


def flatten(weights: Sequence[np.ndarray]) -> np.ndarray:
    """The flat float64 theta of weight matrices: each raveled row-major, concatenated (a copy)."""
    return np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w in weights])


def unflatten(theta: np.ndarray, hidden: Hidden) -> list[np.ndarray]:
    """The weight matrices of a flat theta, as views of it (copies only if theta is strided)."""
    theta = np.asarray(theta)
    dims = shapes(hidden)
    total = sum(r * c for r, c in dims)
    if theta.ndim != 1 or theta.shape[0] != total:
        raise ValueError(f"theta must be flat with {total} weights, got shape {theta.shape}")
    out, offset = [], 0
    for r, c in dims:
        out.append(theta[offset : offset + r * c].reshape(r, c))
        offset += r * c
    return out
