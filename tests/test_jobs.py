"""The job layer: specs, the MNIST check of every job, the trajectory command, the registry."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from losslandscape import paths
from losslandscape.data.mnist import MnistChecksumError
from losslandscape.io import read_columns, read_metadata
from losslandscape.jobs.common import PairInputs
from losslandscape.jobs.grids import grid_job, trajectory_job
from losslandscape.jobs.rules import RULES
from losslandscape.render import registry
from losslandscape.render.options import DEFAULT_RENDER
from losslandscape.specs import GridSpec, LandscapeSpec, OptimizerSpec

REPO = Path(__file__).resolve().parents[1]
LANDSCAPE = LandscapeSpec(135, 20, "w1-5-5_w1-5-6", (50, 500), "test")
GRID = GridSpec((-3.0, 3.0), (-2.0, 4.0), 5)


def _damaged_copy(src: Path, folder: Path) -> Path:
    """A copy of `src` under its canonical name with one byte in the middle flipped."""
    folder.mkdir(parents=True, exist_ok=True)
    data = bytearray(src.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out = folder / src.name
    out.write_bytes(bytes(data))
    return out


def test_specs_give_the_axes_and_provenance_fields() -> None:
    a, b = GRID.axes()
    assert np.array_equal(a, np.linspace(-3, 3, 5)) and np.array_equal(b, np.linspace(-2, 4, 5))
    assert GRID.meta() == {"a": [-3.0, 3.0], "b": [-2.0, 4.0], "resolution": 5}
    assert LANDSCAPE.meta() == {
        "seed": 135, "n": 20, "pair": "w1-5-5_w1-5-6", "hidden": [50, 500], "split": "test",
    }  # fmt: skip
    assert OptimizerSpec("sgd", {"lr": 10.0}).meta() == {
        "optimizer": "sgd",
        "constants": {"lr": 10.0},
    }


def test_a_job_on_a_damaged_mnist_file_stops_and_says_how_to_refetch(
    mnist_test_split: tuple[Path, Path], tmp_path: Path
) -> None:
    """One flipped byte past the first N images: the loader alone would not notice."""
    images, labels = mnist_test_split
    bad = _damaged_copy(images, tmp_path / "mnist")
    out = tmp_path / "grid.parquet"
    with pytest.raises(MnistChecksumError) as err:
        grid_job(PairInputs(str(bad), str(labels), LANDSCAPE), str(out), GRID)
    message = str(err.value)
    assert str(bad) in message and "forcerun mnist_download" in message
    assert not out.exists()
    with pytest.raises(MnistChecksumError):
        inputs = PairInputs(str(bad), str(labels), LANDSCAPE)
        trajectory_job(inputs, str(out), OptimizerSpec("sgd", {"lr": 10.0}), (1.0, 2.0), 3)


def test_trajectory_command_writes_what_the_job_writes(
    mnist_test_split: tuple[Path, Path], tmp_path: Path
) -> None:
    """`python -m losslandscape trajectory` with named options writes what trajectory_job does."""
    images, labels = mnist_test_split
    direct = tmp_path / "direct.parquet"
    optimizer = OptimizerSpec("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 0.1, "lr": 10.0})
    inputs = PairInputs(str(images), str(labels), LANDSCAPE)
    trajectory_job(inputs, str(direct), optimizer, (-1.5, 2.0), 30)
    via_cli = tmp_path / "cli.parquet"
    log = tmp_path / "cli.log"
    cmd = [
        sys.executable, "-m", "losslandscape", "trajectory", "--seed", "135", "--n", "20",
        "--pair", "w1-5-5_w1-5-6", "--hidden", "50,500", "--split", "test",
        "--optimizer", "adam", "--constants=beta1=0.9,beta2=0.999,eps=0.1,lr=10.0",
        "--start=-1.5,2.0", "--epochs", "30", "--images", str(images), "--labels", str(labels),
        "--output", str(via_cli), "--log", str(log),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    # Same metadata; same numbers up to rounding: this test process may use several BLAS threads
    # (numpy was loaded before losslandscape.jobs could ask for one), the command uses one.
    assert read_metadata(via_cli) == read_metadata(direct)
    for name, column in read_columns(direct).items():
        np.testing.assert_allclose(read_columns(via_cli)[name], column, rtol=1e-12, atol=0)
    assert "wrote" in log.read_text()
    assert read_metadata(via_cli)["start"] == [-1.5, 2.0]
    assert len(read_columns(via_cli)["epoch"]) == 31


def test_trajectory_command_failure_is_logged_and_exits_nonzero(tmp_path: Path) -> None:
    log = tmp_path / "t.log"
    cmd = [
        sys.executable, "-m", "losslandscape", "trajectory", "--seed", "1", "--n", "5",
        "--pair", "w2-5-250_w2-5-251", "--hidden", "50,500", "--split", "test",
        "--optimizer", "sgd", "--start=0,0", "--epochs", "2",
        "--images", str(tmp_path / "t10k-images-idx3-ubyte.gz"),
        "--labels", str(tmp_path / "t10k-labels-idx1-ubyte.gz"),
        "--output", str(tmp_path / "o.parquet"), "--log", str(log),
    ]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode != 0
    text = log.read_text()
    assert "trajectory job failed" in text and "t10k-images-idx3-ubyte.gz" in text


def test_job_files_follow_rule_and_wildcards() -> None:
    assert paths.job_files("grid", paths.GRID) == (
        "logs/grid/{seed}/{n}/{pair}.log",
        "benchmarks/grid/{seed}/{n}/{pair}.tsv",
    )
    assert paths.job_files("analysis_summary", paths.SUMMARY) == (
        "logs/analysis_summary.log",
        "benchmarks/analysis_summary.tsv",
    )


def test_every_figure_kind_has_one_name_everywhere() -> None:
    """Rule, options section, caption, output file stem and draw_{name}: one spelling."""
    rules = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    defined = set(re.findall(r"^rule (\w+):", rules, flags=re.M))
    for name, kind in registry.REGISTRY.items():
        assert kind.name == name
        assert name in defined, f"no rule {name}"
        assert re.search(rf'figure_outputs\("{name}"\)', rules), name
        assert name in DEFAULT_RENDER, f"no render section {name}"
        assert (REPO / "workflow" / "report" / f"{name}.rst").is_file(), name
        assert Path(kind.path).name.split("_{")[0] == name, kind.path
        module = __import__(f"losslandscape.render.{kind.module}", fromlist=["x"])
        assert callable(getattr(module, f"draw_{name}")), name
        for section in kind.sections:
            assert section in DEFAULT_RENDER
        if kind.shared_plotly:  # the page loads the shared plotly.js; the report gets a copy
            assert f"{name}_report" in defined and f"{name}_report" in RULES, name
            assert re.search(rf'report_copy_output\("{name}"\)', rules), name
            assert kind.report_copy().startswith("report/figures/"), kind.report_copy()
    assert not set(registry.REGISTRY) & set(RULES)
    assert {k for k in registry.REGISTRY if registry.REGISTRY[k].shared_plotly} == {
        "interactive",
        "plane_interactive",
    }


def test_the_job_script_is_the_same_for_every_script_rule() -> None:
    rules = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    scripts = set(re.findall(r'script:\s*"([^"]+)"', rules))
    assert scripts == {"../../scripts/job.py"}
    assert sorted(p.name for p in (REPO / "scripts").iterdir() if p.suffix == ".py") == ["job.py"]


def test_no_path_manipulation_anywhere() -> None:
    """The package is installed; no file puts a folder on sys.path by hand."""
    needle = "sys.path" + ".insert"
    files = [REPO / "Snakefile", *REPO.glob("workflow/**/*.smk"), *REPO.glob("scripts/*.py")]
    files += [*REPO.glob("src/**/*.py"), *REPO.glob("tests/**/*.py")]
    offenders = [str(p.relative_to(REPO)) for p in files if needle in p.read_text()]
    assert offenders == [], offenders


def test_download_job_copies_from_a_local_mirror(
    tmp_path: Path, mnist_test_split: tuple[Path, Path]
) -> None:
    """The download job copies from a local mirror and verifies the copy (no network)."""
    from losslandscape.jobs.download import download_job

    images, _ = mnist_test_split
    out = tmp_path / "resources" / images.name
    download_job(str(out), [str(images.parent)])
    assert out.read_bytes() == images.read_bytes()
