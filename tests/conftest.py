"""Shared fixtures: small synthetic data and the real MNIST test split (when there is a copy)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
#: A local folder holding the real MNIST test split: MNIST_MIRROR (which .ci/run sets), else a
#: `shared/mnist` folder beside the checkout. Tests that need it are skipped without it.
MNIST_DIR = Path(os.environ.get("MNIST_MIRROR") or REPO.parent / "shared" / "mnist")
#: Headless Chromium for the HTML tests (Debian's `chromium`; .ci/run installs it).
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium missing (apt-get install -y chromium)"
)


def run_chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    """Run headless Chromium offline with a throwaway profile; its console goes to stderr."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # WebGL (plotly's 3D) in software; Chromium no longer falls back to it silently.
        "--enable-unsafe-swiftshader",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=900,1900",
        "--virtual-time-budget=15000",
        *args,
    ]
    return subprocess.run(
        [str(CHROMIUM), *flags], capture_output=True, text=True, timeout=120, check=False
    )


def console_errors(run: subprocess.CompletedProcess) -> list[str]:
    """The console lines of a Chromium run that are errors."""
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return [line for line in console if re.search(r"Uncaught|\w*Error\b|ERROR:CONSOLE", line)]


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
