"""Figures through the real workflow: precise reruns, byte-identical files, the report, lint."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    CHROMIUM,
    MNIST_DIR,
    REPO,
    config_variant,
    console_errors,
    dry_run_jobs,
    needs_mnist,
    run_chromium,
    snakemake_output,
)
from PIL import Image

FIGS = REPO / "tests" / "configs" / "figures.yaml"
FIGURE_RULES = {
    "surfaces", "rotation", "contour", "descent3d", "descent2d", "compare3d", "compare2d",
    "interactive",
}  # fmt: skip

pytestmark = [pytest.mark.slow, needs_mnist]


def smk(workdir: Path, *args: str, config: Path = FIGS, check: bool = True) -> str:
    """Run the workflow in `workdir` on exactly `config`; return its output."""
    return snakemake_output(workdir, config, *args, check=check)


def stats(workdir: Path, config: Path = FIGS) -> Counter:
    """Jobs per rule that a dry run of the figures target would execute."""
    return dry_run_jobs(smk(workdir, "figures", "-n", config=config), ("figures",))


def variant(tmp_path: Path, edit) -> Path:
    """figures.yaml with `edit` applied."""
    return config_variant(FIGS, tmp_path, edit)


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory) -> Path:
    """One complete run of the figures target (and the report)."""
    workdir = tmp_path_factory.mktemp("figures-run")
    smk(workdir, "figures", "-c2")
    return workdir


def figure_files(workdir: Path) -> dict[str, bytes]:
    """Every figure of a run, relative path -> bytes."""
    root = workdir / "results" / "figures"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.*"))}


def test_every_figure_is_made(complete_run: Path) -> None:
    names = set(figure_files(complete_run))
    base = "1/20/w2-5-250_w2-5-251"
    want = {"1/w2-5-250_w2-5-251/surfaces.png"}
    want |= {f"1/{n}/w2-5-250_w2-5-251/rotation.{e}" for n in (20, 30) for e in ("gif", "png")}
    for opt in ("sgd", "adam"):
        want.add(f"{base}/contour_{opt}.png")
        want |= {
            f"{base}/{k}_{opt}.{e}" for k in ("descent3d", "descent2d") for e in ("gif", "png")
        }
    for start in ("a-9_b15", "a-10.1_b15"):
        want |= {
            f"{base}/{k}_{start}.{e}" for k in ("compare3d", "compare2d") for e in ("gif", "png")
        }
        want.add(f"{base}/interactive_{start}.html")
    want.add("plotly.min.js")
    assert want <= names, want - names
    js = complete_run / "results" / "figures" / "plotly.min.js"
    for start in ("a-9_b15", "a-10.1_b15"):
        page = complete_run / "results" / "figures" / base / f"interactive_{start}.html"
        assert 'src="../../../plotly.min.js"' in page.read_text()
        assert page.stat().st_size < js.stat().st_size / 20  # only the page's data


def test_nothing_to_do_after_a_complete_run(run_copy: Path) -> None:
    assert stats(run_copy) == Counter()


def test_render_option_reruns_only_that_figure_kind(run_copy: Path, tmp_path: Path) -> None:
    cfg = variant(tmp_path, lambda c: c["render"]["descent3d"].update(dpi=41))
    assert stats(run_copy, cfg) == Counter({"descent3d": 2})


def test_learning_rate_reruns_its_trajectories_and_their_figures(run_copy, tmp_path) -> None:
    cfg = variant(tmp_path, lambda c: c["trajectories"]["optimizers"]["sgd"].update(lr=5))
    got = stats(run_copy, cfg)
    # sgd's two trajectories, sgd's figures, and the comparisons (which show every optimizer)
    assert got == Counter(
        {"trajectory": 2, "contour": 1, "descent3d": 1, "descent2d": 1, "compare3d": 2,
         "compare2d": 2, "interactive": 2}
    )  # fmt: skip


def test_grid_change_reruns_grids_and_figures_not_trajectories(run_copy, tmp_path) -> None:
    cfg = variant(tmp_path, lambda c: c["landscapes"]["grid"].update(resolution=7))
    got = stats(run_copy, cfg)
    assert "trajectory" not in got and "mnist_download" not in got
    assert got["grid"] == 2
    # the contour and interactive figures mark the critical points of their (seed, n, pair)
    assert got["critical_points"] == 1
    assert set(got) - {"grid", "critical_points"} == FIGURE_RULES


def test_mirror_change_reruns_nothing(run_copy: Path, tmp_path: Path) -> None:
    cfg = variant(tmp_path, lambda c: c["mnist"].update(mirrors=["https://example.invalid/"]))
    assert stats(run_copy, cfg) == Counter()


def test_clean_reruns_are_byte_identical(complete_run: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    smk(again, "figures", "-c2")
    first, second = figure_files(complete_run), figure_files(again)
    assert first.keys() == second.keys()
    differ = [name for name in first if first[name] != second[name]]
    assert not differ


def test_report_holds_every_figure_with_captions(run_copy: Path) -> None:
    smk(run_copy, "figures", "--report", "report.html")
    html = (run_copy / "report.html").read_text(errors="replace")
    for caption in ("article's Figure 3", "article Figure 5", "German notebook"):
        assert caption in html


def test_report_holds_self_contained_copies_of_the_interactive_pages(run_copy: Path) -> None:
    base = "figures/1/20/w2-5-250_w2-5-251"
    copies = [f"report/{base}/interactive_{s}.html" for s in ("a-9_b15", "a-10.1_b15")]
    smk(run_copy, *copies, "-c2")
    js = (run_copy / "results" / "figures" / "plotly.min.js").read_text()
    for copy in copies:
        text = (run_copy / copy).read_text()
        assert js in text and 'src="../../../plotly.min.js"' not in text
    smk(run_copy, "figures", *copies, "--report", "report.html")
    html = (run_copy / "report.html").read_text(errors="replace")
    assert "interactive_a-10.1_b15.html" in html and "Optimizer comparison" in html
    assert len(html) > 2 * len(js)  # both pages, each with plotly.js inline


def test_gallery_target(run_copy: Path) -> None:
    smk(run_copy, "gallery", "-c2")
    figs = run_copy / "results" / "figures"
    assert (figs / "gallery" / "20" / "w1-5-5_w1-5-6" / "contact_sheet_1.png").stat().st_size > 0
    for seed in (0, 1):
        assert (figs / str(seed) / "20" / "w1-5-5_w1-5-6" / "rotation.gif").is_file()
    summary = pd.read_parquet(run_copy / "results" / "analysis" / "gallery" / "summary.parquet")
    assert sorted(summary["seed"]) == [0, 1] and "minima" in summary
    page = (figs / "gallery" / "index.html").read_text()
    for column in summary.columns:
        assert f">{column}<" in page or f">{column} <" in page, column
    for seed in (0, 1):  # thumbnails and links resolve from the page
        for link in (f"../{seed}/20/w1-5-5_w1-5-6/rotation.png",
                     f"../../grids/{seed}/20/w1-5-5_w1-5-6.parquet",
                     "20/w1-5-5_w1-5-6/contact_sheet_1.png"):  # fmt: skip
            assert f'"{link}"' in page, link
            assert (figs / "gallery" / link).is_file(), link
    if CHROMIUM.exists():  # the page itself works: loads cleanly, sorts by a column
        url = (figs / "gallery" / "index.html").resolve().as_uri() + "#sort=cost_min&dir=desc"
        run = run_chromium(["--dump-dom", url], run_copy / "chromium-profile")
        assert not console_errors(run), run.stderr[-2000:]
        shown = re.findall(r'src="\.\./(\d+)/20/w1-5-5_w1-5-6/rotation\.png"', run.stdout)
        expected = summary.sort_values("cost_min", ascending=False)["seed"].astype(str)
        assert shown == list(expected), (shown, list(expected))


def test_gallery_pages_ordered_by_a_summary_column(run_copy: Path, tmp_path: Path) -> None:
    """Five seeds at two a page: three sheets, seeds sorted by minima (page 1 = the top two);
    the browser links every seed to the page that shows it."""

    def edit(c):
        c["gallery"]["seeds"] = [0, 4]
        c["render"]["contact_sheet"] = {"per_page": 2, "order_by": "cost_min"}

    cfg = variant(tmp_path, edit)
    smk(run_copy, "gallery", "-c2", config=cfg)
    sheets = run_copy / "results" / "figures" / "gallery" / "20" / "w1-5-5_w1-5-6"
    assert sorted(p.name for p in sheets.glob("contact_sheet_*.png")) == [
        f"contact_sheet_{k}.png" for k in (1, 2, 3)
    ]
    summary = pd.read_parquet(run_copy / "results" / "analysis" / "gallery" / "summary.parquet")
    order = list(summary.sort_values(["cost_min", "seed"], ascending=[False, True])["seed"])
    page = (run_copy / "results" / "figures" / "gallery" / "index.html").read_text()
    for i, seed in enumerate(order):
        row = page[page.index(f"../{seed}/20/w1-5-5_w1-5-6/rotation.png") :]
        row = row[: row.index("</tr>")]
        assert f"contact_sheet_{i // 2 + 1}.png" in row, (seed, i)
    with Image.open(sheets / "contact_sheet_1.png") as im:
        described = json.loads(im.info["Description"])
    assert described["params"]["render"]["contact_sheet"]["order_by"] == "cost_min"


def test_workflow_is_lint_clean_and_snakefmt_formatted() -> None:
    env = {**os.environ, "MNIST_MIRROR": str(MNIST_DIR)}
    lint = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0 and "Lints for" not in lint.stdout + lint.stderr, lint.stdout
    fmt = subprocess.run(
        ["snakefmt", "--check", "Snakefile", "workflow/rules/"], cwd=REPO,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
