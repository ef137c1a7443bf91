"""Helpers of the benchmark scripts: locate MNIST, run the workflow in a scratch directory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from scipy.special import expit

REPO = Path(__file__).resolve().parents[2]
SHARED_MNIST = REPO.parent / "shared" / "mnist"


def mnist_dir() -> Path:
    """A folder holding the MNIST test split: MNIST_MIRROR if set, else shared/mnist beside us."""
    path = Path(os.environ.get("MNIST_MIRROR", SHARED_MNIST))
    if not (path / "t10k-images-idx3-ubyte.gz").exists():
        sys.exit(f"no MNIST test split in {path}; set MNIST_MIRROR to a directory holding it")
    return path


def test_split_paths() -> tuple[str, str]:
    """Images and labels files of the test split."""
    d = mnist_dir()
    return str(d / "t10k-images-idx3-ubyte.gz"), str(d / "t10k-labels-idx1-ubyte.gz")


def seeds_sgd_epoch(w: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One epoch of the seeds' NeuralNetwork.train, the baseline the engine is timed against.

    A full forward pass, the output layer's gradient and SGD (lr 10) on w2[5][250] and
    w2[5][251], in place; returns the prediction before the update.
    """
    a0 = expit(w[0] @ x.T)
    a1 = expit(w[1] @ a0)
    pred = expit(w[2] @ a1)
    dw2 = (pred - y.T) * pred * (1 - pred) @ a1.T / len(x)
    w[2][5][250] -= 10 * dw2[5][250]
    w[2][5][251] -= 10 * dw2[5][251]
    return pred


def run_workflow(config: dict, targets: list[str], workdir: Path | None = None) -> float:
    """Run `snakemake -c2 targets` on `config` in a scratch directory; return the wall time."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="ll-bench-"))
    cfg = workdir / "bench-config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    cmd = [
        sys.executable, "-m", "snakemake", *targets, "-s", str(REPO / "Snakefile"),
        "--directory", str(workdir), "-c2", "--quiet", "all", "--configfile", str(cfg),
    ]  # fmt: skip
    env = {**os.environ, "MNIST_MIRROR": str(mnist_dir())}
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def benchmark_field(benchmark_tsv: Path, field: str) -> float:
    """One column of the first row of a Snakemake benchmark file."""
    header, values = benchmark_tsv.read_text().splitlines()[:2]
    return float(dict(zip(header.split("\t"), values.split("\t"), strict=True))[field])


def max_rss_mb(benchmark_tsv: Path) -> float:
    """Peak resident memory (MB) that Snakemake's benchmark file recorded for a job."""
    return benchmark_field(benchmark_tsv, "max_rss")


def job_seconds(benchmark_tsv: Path) -> float:
    """Wall time (s) that Snakemake's benchmark file recorded for a job."""
    return benchmark_field(benchmark_tsv, "s")
