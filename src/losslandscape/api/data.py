"""MNIST for the API: the first N images of a split as arrays, from the verified cache."""

from __future__ import annotations

import numpy as np

from ..data.idx import load_split
from .session import mnist_files


def load_mnist(n: int, split: str = "test", first: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images first .. first + n - 1 of a split: X (n, 784) in [0, 1] and one-hot Y (n, 10).

    The files are fetched once into pooch's cache folder for the package, checksum-verified
    (MNIST_MIRROR first when set, then the canonical mirrors).

    Example:

        >>> x, y = load_mnist(100)
        >>> x.shape, y.sum(axis=0)
    """
    return load_split(*mnist_files(split), int(n), first=int(first))
