"""The Python API (losslandscape.api, re-exported by losslandscape): cheap to import, plain
values in, DataFrames with their metadata out, progress bars only where asked, clear errors.

That its functions write the workflow's own files is tested against workflow runs in
tests/test_analysis_workflow.py and tests/test_planes_workflow.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import MNIST_DIR, needs_mnist

import losslandscape as ll
from losslandscape import progress


@pytest.fixture()
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The API with a private workspace and MNIST cache, MNIST from the offline mirror."""
    monkeypatch.setenv("LOSSLANDSCAPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MNIST_MIRROR", str(MNIST_DIR))
    ll.set_workspace(tmp_path / "work")
    return ll


def test_importing_the_package_loads_no_numerical_library() -> None:
    """`import losslandscape` stays as cheap for jobs as before the API: nothing is loaded
    until an API name is used."""
    code = "import losslandscape, sys; print(sorted(m for m in ('numpy', 'pandas', 'pyarrow', " \
        "'matplotlib', 'tqdm', 'losslandscape.api') if m in sys.modules))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves_and_says_how_to_use_it() -> None:
    for name in ll.API:
        value = getattr(ll, name)
        assert value.__doc__, name
        if callable(value) and not isinstance(value, type) and name not in ("workspace",):
            assert "Example" in value.__doc__ or name in ("set_workspace", "mnist_files"), name
    assert set(ll.API) <= set(dir(ll))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = ll.nothing


@needs_mnist
def test_load_mnist_reads_the_verified_cache(api, tmp_path: Path) -> None:
    x, y = api.load_mnist(50)
    assert x.shape == (50, 784) and y.shape == (50, 10)
    assert (tmp_path / "cache" / "t10k-images-idx3-ubyte.gz").is_file()
    # a damaged cached file is fetched again, not trusted
    (tmp_path / "cache" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    x2, y2 = api.load_mnist(50)
    np.testing.assert_array_equal(y2, y)
    with pytest.raises(ValueError, match="split = 'valid'"):
        api.load_mnist(5, split="valid")


@needs_mnist
def test_a_grid_is_a_frame_with_the_files_metadata(api) -> None:
    grid = api.grid(n=20, resolution=5, progress=False)
    assert list(grid.columns) == ["w_a", "w_b", "cost"] and len(grid) == 25
    assert grid.attrs["pair"] == "w2-5-250_w2-5-251" and grid.attrs["resolution"] == 5
    assert grid.attrs["mnist_md5"] and grid.attrs["losslandscape_version"] == ll.__version__
    again = api.read(api.workspace() / "results/grids/135/20/w2-5-250_w2-5-251.parquet")
    assert again.equals(grid) and again.attrs == grid.attrs


@needs_mnist
def test_progress_bars_show_only_when_asked(api, capsys, monkeypatch) -> None:
    """A bar on stderr with progress=True (the default); nothing with progress=False, and
    nothing from the numerical code when no API call listens (workflow jobs)."""
    api.train("sgd", n=20, epochs=15, snapshots=3, progress=False)
    assert capsys.readouterr().err == ""
    api.train("sgd", n=20, epochs=15, snapshots=3)
    err = capsys.readouterr().err
    assert "training sgd" in err and "15/15" in err
    monkeypatch.setenv("LOSSLANDSCAPE_PROGRESS", "0")  # every bar off (the site's build)
    api.train("sgd", n=20, epochs=15, snapshots=3)
    assert capsys.readouterr().err == ""
    progress.expect(3)  # no listener: no effect, no output
    progress.advance()
    assert capsys.readouterr().err == ""


@needs_mnist
def test_bad_values_are_refused_naming_the_value(api) -> None:
    with pytest.raises(ValueError, match="pair = 'w9-1-1_w2-5-251'"):
        api.grid("w9-1-1_w2-5-251", n=20)
    with pytest.raises(ValueError, match="a = \\[1.0, 1.0\\]: needs low < high"):
        api.grid(n=20, a=(1, 1))
    with pytest.raises(ValueError, match="batch = 0"):
        api.train("sgd", n=20, epochs=2, snapshots=3, batch=0)
    with pytest.raises(ValueError, match="name = 'Big'"):
        api.train("Big", "sgd", n=20, epochs=2, snapshots=3)
    run = api.train("sgd", n=20, epochs=4, snapshots=3, progress=False)
    with pytest.raises(ValueError, match="\\[3\\] no snapshot epoch of run sgd"):
        api.spectrum(run, at=[3], lanczos=3, probes=1)
    with pytest.raises(ValueError, match="eigenvalues = 0"):
        api.sharpness(run, 0)
    with pytest.raises(ValueError, match="plane = 'adam-pca'"):
        api.plane("adam-pca", [run])
    with pytest.raises(ValueError, match="already holds a run 'sgd' with other constants"):
        api.train("sgd", constants={"lr": 0.1}, n=20, epochs=4, snapshots=3, progress=False)
    again = api.train("sgd", n=20, epochs=4, snapshots=3, progress=False)  # the same run: fine
    assert again.record.equals(run.record)
    with pytest.raises(ValueError, match="overlaps the first 20 images"):
        api.heldout(run, {"split": "test", "first": 10, "n": 5})


@needs_mnist
def test_a_run_its_measurements_and_a_plane(api) -> None:
    """The objects the notebooks use: a Run with record and snapshots, its sharpness with the
    threshold, a Plane with its grid and the run's path."""
    run = api.train("sgd", n=30, epochs=20, snapshots=5, progress=False)
    assert list(run.record.columns) == ["epoch", "cost", "accuracy"] and len(run.record) == 21
    assert run.snapshots["epoch"].tolist() == [0, 5, 10, 15, 20]
    assert run.threshold == 4.0 and "run sgd" in run._repr_html_()
    sharp = api.sharpness(run, 1, progress=False)
    assert sharp.attrs["threshold"] == 4.0 and list(sharp.columns) == ["epoch", "lambda_1"]
    plane = api.plane("sgd-pca", [run], resolution=4, progress=False)
    assert len(plane.grid) == 16 and set(plane.paths) == {"sgd"}
    assert plane.directions.attrs["plane"] == "sgd-pca"
    line = api.line("init_sgd", [run], points=5, heldout=None)
    assert list(line.columns) == ["t", "cost", "accuracy"]
