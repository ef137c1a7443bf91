"""Shared fixtures: small synthetic data and the real MNIST test split (when there is a copy)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
#: A local folder holding the real MNIST test split: MNIST_MIRROR (which .ci/run sets), else a
#: `shared/mnist` folder beside the checkout. Tests that need it are skipped without it.
MNIST_DIR = Path(os.environ.get("MNIST_MIRROR") or REPO.parent / "shared" / "mnist")


@pytest.fixture(scope="session")
def small_data() -> tuple[np.ndarray, np.ndarray]:
    """30 samples of sparse random 'images' (many zero pixels, some all-zero columns) + targets."""
    rng = np.random.RandomState(7)
    n = 30
    x = rng.rand(n, 784) * (rng.rand(n, 784) < 0.3)
    x[:, 3] = 0.0  # a pixel that is zero in every image
    x[:10, 4] = 0.0
    y = np.eye(10)[rng.randint(0, 10, n)]
    return x, y


@pytest.fixture(scope="session")
def mnist_test_split() -> tuple[Path, Path]:
    """Paths of the real MNIST test split (skips without them)."""
    images = MNIST_DIR / "t10k-images-idx3-ubyte.gz"
    labels = MNIST_DIR / "t10k-labels-idx1-ubyte.gz"
    if not images.exists() or not labels.exists():
        pytest.skip(f"real MNIST test split not found at {MNIST_DIR}")
    return images, labels
