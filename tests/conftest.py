"""Shared fixtures: small synthetic data and the real MNIST test split (when beside the repo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_MNIST = REPO.parent / "shared" / "mnist"


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
    """Paths of the real MNIST test split (skips when ../shared/mnist is absent)."""
    images = SHARED_MNIST / "t10k-images-idx3-ubyte.gz"
    labels = SHARED_MNIST / "t10k-labels-idx1-ubyte.gz"
    if not images.exists() or not labels.exists():
        pytest.skip(f"real MNIST test split not found at {SHARED_MNIST}")
    return images, labels
