"""Shared fixtures: small synthetic data, the real MNIST test split (when there is a copy), and
the helpers of the workflow tests (runs, dry-run job counts, config variants, a stand-in for a
rule script's `snakemake` object)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
#: A local folder holding the real MNIST test split: MNIST_MIRROR (which .ci/run sets), else a
#: `shared/mnist` folder beside the checkout. Tests that need it are skipped without it.
MNIST_DIR = Path(os.environ.get("MNIST_MIRROR") or REPO.parent / "shared" / "mnist")
#: Headless Chromium for the HTML tests (Debian's `chromium`; .ci/run installs it).
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium missing (apt-get install -y chromium)"
)


#: Skips a test (or a module, in pytestmark) when there is no offline MNIST test split.
needs_mnist = pytest.mark.skipif(
    not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"offline MNIST test split not found at {MNIST_DIR}",
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


@pytest.fixture(scope="module")
def real_data(mnist_test_split) -> tuple[np.ndarray, np.ndarray]:
    """The first 30 samples of the real MNIST test split (skips without it)."""
    from losslandscape.data.idx import load_split

    return load_split(*mnist_test_split, 30)


@pytest.fixture(params=["synthetic", "mnist"])
def data(request, small_data) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic sparse images, and 30 real MNIST images when a copy is at hand (a module may
    define its own `data`)."""
    if request.param == "synthetic":
        return small_data
    return request.getfixturevalue("real_data")


# ---------------------------------------------------------------------- workflow runs
def snakemake_process(
    workdir: Path, config: Path, *args: str, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run the repository's workflow in `workdir` on exactly `config`, offline (MNIST_DIR)."""
    env = {**os.environ, "MNIST_MIRROR": str(MNIST_DIR)}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
    cmd += ["--directory", str(workdir), *args, "--replace-workflow-config"]
    cmd += ["--configfile", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def snakemake_output(workdir: Path, config: Path, *args: str, check: bool = True) -> str:
    """stdout + stderr of snakemake_process; with `check` the run must succeed."""
    proc = snakemake_process(workdir, config, *args)
    out = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, out
    return out


def dry_run_jobs(out: str, leave_out: Iterable[str] = ()) -> Counter:
    """Jobs per rule of a dry run's 'Job stats' table, without 'total' and the rules `leave_out`."""
    if "Nothing to be done" in out:
        return Counter()
    table = out[out.index("Job stats") :].split("\n\n")[0]
    rows = re.findall(r"^(\w+)\s+(\d+)$", table, re.M)
    return Counter({rule: int(k) for rule, k in rows if rule not in ("total", *leave_out)})


def config_variant(config: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The YAML config `config` with `edit` applied, written to tmp_path / 'variant.yaml'."""
    cfg = yaml.safe_load(config.read_text())
    edit(cfg)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


@pytest.fixture
def run_copy(complete_run: Path, tmp_path: Path) -> Path:
    """A private copy of the module's `complete_run` (modification times kept) to change."""
    return Path(shutil.copytree(complete_run, tmp_path / "run", symlinks=True))


def snakemake_stub(
    rule: str, inputs: dict, outputs: dict, params: dict, log: Path, wildcards: dict
) -> SimpleNamespace:
    """A stand-in for a rule script's `snakemake` object, built from Snakemake's containers."""
    io = pytest.importorskip("snakemake.iocontainers")
    return SimpleNamespace(
        rule=rule,
        input=io.InputFiles(fromdict=inputs),
        output=io.OutputFiles(fromdict=outputs),
        params=io.Params(fromdict=params),
        wildcards=io.Wildcards(fromdict=wildcards),
        log=io.Log(fromdict={"log": str(log)}),
        threads=1,
        config={},
    )
