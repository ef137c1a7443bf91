"""The course notebooks (notebooks/*.ipynb): stored without outputs, and each runs top to
bottom without an error on the MNIST test split (MNIST_MIRROR), in a fresh kernel."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from conftest import MNIST_DIR, REPO, needs_mnist

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_three_course_notebooks_are_there() -> None:
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01-article", "02-optimizers", "03-trained-networks"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_stored_notebook_carries_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_top_to_bottom(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cell runs without an error (nbclient raises CellExecutionError on the first);
    the run time is printed for the README (`pytest -s`)."""
    from nbclient import NotebookClient

    monkeypatch.setenv("MNIST_MIRROR", str(MNIST_DIR))
    monkeypatch.setenv("LOSSLANDSCAPE_CACHE", str(tmp_path / "cache"))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    t0 = time.perf_counter()
    client.execute()
    print(f"{path.name}: {time.perf_counter() - t0:.1f} s")
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = {key for o in outputs for key in o.get("data", {})}
    assert "image/png" in shown or "text/html" in shown  # figures show inline
