"""Tests of losslandscape.render and the figure jobs on small synthetic data."""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import console_errors, needs_chromium, run_chromium, snakemake_stub
from PIL import Image

from losslandscape.render.animation import (
    render_descent3d,
)
from losslandscape.render.data import (
    Landscape,
    Track,
    load_landscape,
    load_tracks,
    pair_labels,
    start_label,
    weight_label,
)
from losslandscape.render.options import DEFAULT_RENDER, resolve_options, select_frames
from losslandscape.render.surfaces import rotation_azimuths

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

PAIR = "w2-5-250_w2-5-251"
STARTS = ["a-9_b15", "a-10.1_b15", "a-11_b15"]
OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adagrad", "nadam"]
EPOCHS = 300

# Small figures keep the suite fast; frame lists stay the defaults (scaled to 300 epochs).
SMALL = {
    "surfaces": {"panel_size": [3.0, 3.0], "dpi": 40},
    "contour": {"figsize": [4.0, 3.0], "dpi": 40},
    "descent3d": {"figsize": [4.0, 4.0], "dpi": 40},
    "descent2d": {"figsize": [4.0, 4.0], "dpi": 40},
    "compare3d": {"figsize": [4.0, 4.0], "dpi": 40},
    "compare2d": {"figsize": [4.0, 4.0], "dpi": 40},
    "rotation": {"figsize": [3.0, 3.0], "dpi": 40, "n_frames": 8},
    "interactive": {"max_path_points": 60},
}


def _cost(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A bumpy synthetic landscape near the seeds' cost level."""
    return 4.76 + 0.02 * np.sin(a / 4) * np.cos(b / 5) + 1e-4 * (a**2 + b**2)


def _grid(res: int = 12) -> pd.DataFrame:
    """A grid table in numpy.meshgrid ravel order (w_a fastest)."""
    mesh_a, mesh_b = np.meshgrid(np.linspace(-15, 17, res), np.linspace(-15, 18, res))
    return pd.DataFrame(
        {"w_a": mesh_a.ravel(), "w_b": mesh_b.ravel(), "cost": _cost(mesh_a, mesh_b).ravel()}
    )


def _trajectory(a0: float, b0: float, epochs: int = EPOCHS) -> pd.DataFrame:
    """A smooth synthetic path from (a0, b0) with costs on the landscape."""
    t = np.arange(epochs + 1)
    s = 1 - np.exp(-t / (epochs / 5))
    wa = a0 + (2 - a0) * s + 0.3 * np.sin(t / 20)
    wb = b0 + (-3 - b0) * s
    return pd.DataFrame({"epoch": t.astype(np.int64), "w_a": wa, "w_b": wb, "cost": _cost(wa, wb)})


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Write the grid and trajectory Parquet files the render scripts read."""
    root = tmp_path_factory.mktemp("data")
    grid = root / "grid.parquet"
    _grid().to_parquet(grid)
    starts = []
    for name, a0 in zip(STARTS, (-9.0, -10.1, -11.0), strict=True):
        path = root / "sgd" / f"{name}.parquet"
        path.parent.mkdir(exist_ok=True)
        _trajectory(a0, 15.0).to_parquet(path)
        starts.append(path)
    optimizers = []
    for i, name in enumerate(OPTIMIZERS):
        path = root / name / "a-9_b15.parquet"
        path.parent.mkdir(exist_ok=True)
        frame = _trajectory(-9.0 + i, 15.0)
        if name == "nadam":  # diverged: fewer rows, the last one non-finite (as trajectory.py)
            frame = frame.iloc[:120].copy()
            frame.loc[frame.index[-1], ["w_a", "cost"]] = [np.inf, np.nan]
        frame.to_parquet(path)
        optimizers.append(path)
    return {"grid": grid, "starts": starts, "optimizers": optimizers}


RENDER_ALL = """
import json, sys
from pathlib import Path
from losslandscape.render.animation import (
    render_compare2d, render_compare3d, render_descent2d, render_descent3d,
)
from losslandscape.render.contour import render_contour
from losslandscape.render.data import load_landscape, load_tracks, provenance_json
from losslandscape.render.interactive import render_interactive
from losslandscape.render.options import DEFAULT_RENDER, resolve_options, select_frames
from losslandscape.render.surfaces import render_rotation, render_surfaces, rotation_azimuths
spec = json.loads(sys.argv[2])
out = Path(sys.argv[3])
opts = spec["options"]
land = load_landscape(spec["grid"], pair=spec["pair"], seed=135, n=100)
land2 = load_landscape(spec["grid"], pair=spec["pair"], seed=135, n=10000)
starts = load_tracks(spec["starts"], spec["start_names"])
opt = load_tracks(spec["optimizers"], spec["optimizer_names"], labels=[""] * 7)
prov = lambda kind: provenance_json(kind, {"grid": spec["grid"]}, {"kind": kind})
render_surfaces([land, land2], out / "surfaces.png", options=opts, provenance=prov("surfaces"))
render_contour(land, starts, out / "contour.png", options=opts, provenance=prov("contour"))
render_descent3d(land, starts, out / "d3.gif", out / "d3.png", options=opts,
                    provenance=prov("descent3d"))
render_descent2d(land, starts, out / "d2.gif", out / "d2.png", options=opts,
                    provenance=prov("descent2d"))
render_compare3d(land, opt, out / "c3.gif", out / "c3.png", options=opts,
                    provenance=prov("compare3d"))
render_compare2d(land, opt, out / "c2.gif", out / "c2.png", options=opts,
                    provenance=prov("compare2d"))
render_rotation(land, out / "rot.gif", out / "rot.png", options=opts, provenance=prov("rotation"))
render_interactive(land, starts, out / "page.html", options=opts, provenance=prov("interactive"))
render_interactive(land, opt, out / "compare.html", style="optimizers", options=opts,
              provenance=prov("interactive"))
"""

EXPECTED = [
    "surfaces.png",
    "contour.png",
    "d3.gif",
    "d3.png",
    "d2.gif",
    "d2.png",
    "c3.gif",
    "c3.png",
    "c2.gif",
    "c2.png",
    "rot.gif",
    "rot.png",
    "page.html",
    "compare.html",
]


@pytest.fixture(scope="module")
def rendered(data: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Render every kind twice, in two fresh processes with different hash seeds, in parallel."""
    spec = {
        "grid": str(data["grid"]),
        "pair": PAIR,
        "starts": [str(p) for p in data["starts"]],
        "start_names": STARTS,
        "optimizers": [str(p) for p in data["optimizers"]],
        "optimizer_names": OPTIMIZERS,
        "options": SMALL,
    }
    outs = [tmp_path_factory.mktemp("run_a"), tmp_path_factory.mktemp("run_b")]
    procs = []
    for seed, out in zip(("1", "2"), outs, strict=True):
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"}
        args = [sys.executable, "-c", RENDER_ALL, str(SRC), json.dumps(spec), str(out)]
        procs.append(subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    return outs[0], outs[1]


def test_every_kind_writes_its_files(rendered: tuple[Path, Path]) -> None:
    """Every figure kind writes its files, and nothing else is left (no temp files)."""
    out, _ = rendered
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED)
    for name in EXPECTED:
        assert (out / name).stat().st_size > 0


def test_rerender_is_byte_identical(rendered: tuple[Path, Path]) -> None:
    """Two runs in separate processes give byte-identical PNG, GIF and HTML."""
    first, second = rendered
    for name in EXPECTED:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def _frame_count(path: Path) -> int:
    """Number of frames of a GIF."""
    with Image.open(path) as im:
        return int(im.n_frames)


def test_gif_frame_counts_match_the_selection(rendered: tuple[Path, Path]) -> None:
    """GIF frame counts equal the default frame selections: the source documents' lists scaled
    from their run lengths (10,000 and 1,000 epochs) to these 300-epoch trajectories."""
    out, _ = rendered
    opts = resolve_options(SMALL)
    article_3d = select_frames(opts["descent3d"]["frames"], EPOCHS, source="descent3d")
    # [[0, 200, 20], [200, 9000, 100]] x 300/10,000 = [[0, 6, 1], [6, 270, 3]]
    assert article_3d == [*range(0, 6), *range(6, 270, 3)]
    assert _frame_count(out / "d3.gif") == len(article_3d) == 94
    article_2d = select_frames(None, EPOCHS, source="descent2d")
    assert article_2d == list(range(0, 270, 3))
    assert _frame_count(out / "d2.gif") == len(article_2d)
    notebook = select_frames(opts["compare3d"]["frames"], EPOCHS, source="compare3d")
    assert notebook == list(range(0, 300, 6))  # [[0, 1000, 20]] x 300/1,000
    assert _frame_count(out / "c3.gif") == len(notebook)
    assert _frame_count(out / "c2.gif") == len(notebook)
    assert _frame_count(out / "rot.gif") == 8 == len(rotation_azimuths(SMALL))


def test_default_frames_scale_with_the_run_and_explicit_frames_win() -> None:
    """At the source documents' run lengths the defaults are their lists exactly; every run of
    50 epochs or more gets at least 30 frames; an explicit list is never rescaled."""
    from losslandscape.render.options import SOURCE_FRAMES

    assert select_frames(None, 10_000, "descent3d") == select_frames(
        [[0, 200, 20], [200, 9000, 100]], 10_000
    )
    assert select_frames(None, 1_000, "compare2d") == list(range(0, 1000, 20))
    for kind in SOURCE_FRAMES:
        for last in (50, 51, 63, 75, 99, 149, 150, 400, 2_001, 10_000, 123_457):
            frames = select_frames(None, last, kind)
            assert 30 <= len(frames) <= 134, (kind, last, len(frames))
            assert frames == sorted(set(frames)) and 0 <= frames[0] and frames[-1] <= last
    assert select_frames([[0, 1000, 20]], 400) == list(range(0, 401, 20))
    with pytest.raises(ValueError, match="frames: null needs a kind"):
        select_frames(None, 100, "rotation")


def test_png_and_gif_carry_provenance_and_no_software_or_date(
    rendered: tuple[Path, Path],
) -> None:
    """Provenance is in the PNG Description chunk and the GIF comment; no Software/date."""
    out, _ = rendered
    figures = {
        "surfaces.png": "surfaces",
        "contour.png": "contour",
        "d3.png": "descent3d",
        "rot.png": "rotation",
    }
    for name, figure in figures.items():
        with Image.open(out / name) as im:
            text = dict(im.text)  # type: ignore[attr-defined]
        assert set(text) == {"Description"}, name
        assert json.loads(text["Description"])["figure"] == figure
        raw = (out / name).read_bytes()
        assert b"tIME" not in raw and b"Software" not in raw and b"matplotlib" not in raw
    with Image.open(out / "d3.gif") as im:
        comment = im.info["comment"]
    assert json.loads(comment)["figure"] == "descent3d"


def test_still_png_is_the_last_gif_frame(rendered: tuple[Path, Path]) -> None:
    """The PNG written next to a GIF has the GIF's size and shows its last frame."""
    out, _ = rendered
    with Image.open(out / "d3.gif") as gif, Image.open(out / "d3.png") as png:
        assert gif.size == png.size == (160, 160)
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"), dtype=np.int16)
        still = np.asarray(png.convert("RGB"), dtype=np.int16)
    assert np.mean(np.abs(last - still)) < 6  # only the 256-colour palette differs


def test_html_is_offline_and_has_provenance(rendered: tuple[Path, Path]) -> None:
    """The page embeds plotly.js (no script src, no CDN) and holds the provenance meta."""
    out, _ = rendered
    page = (out / "page.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, flags=re.IGNORECASE)
    assert 'src="https://cdn.plot.ly' not in page
    match = re.search(r'<meta name="losslandscape-provenance" content="([^"]*)">', page)
    assert match is not None
    assert json.loads(match.group(1).replace("&quot;", '"'))["figure"] == "interactive"
    assert 'id="losslandscape-surface"' in page and 'id="losslandscape-contour"' in page
    assert page.count('"label":"Play"') == 2 and '"prefix":"Epoch: "' in page
    assert len(page) > 3_000_000  # plotly.js is inline
    compare = (out / "compare.html").read_text(encoding="utf-8")
    for label in ("SGD", "SGD-Momentum", "Nesterov-SGD", "RMSProp", "Adam", "AdaGrad", "NAdam"):
        assert f'"name":"{label}"' in compare


def test_default_article_frames_at_full_size(data: dict, tmp_path: Path) -> None:
    """Fig. 5 with the seeds' frames: 98 frames of 1000x1000 for 10,000 epochs."""
    land = Landscape.from_frame(_grid(), pair=PAIR)
    tracks = [Track.from_frame(_trajectory(-9.0, 15.0, 10_000), name="a-9_b15")]
    frames = render_descent3d(land, tracks, tmp_path / "f.gif", tmp_path / "f.png")
    assert len(frames) == 98 and frames[:3] == [0, 20, 40] and frames[-1] == 8900
    with Image.open(tmp_path / "f.gif") as gif:
        assert gif.n_frames == 98 and gif.size == (1000, 1000)


def test_options_and_names() -> None:
    """Option merging rejects unknown keys; names become the seeds' labels."""
    with pytest.raises(ValueError, match="unknown render option descent3d.'fpz'"):
        resolve_options({"descent3d": {"fpz": 3}})
    merged = resolve_options({"styles": {"optimizer_colors": {"lion": ["gold", "gold"]}}})
    assert merged["styles"]["optimizer_colors"]["sgd"] == ["red", "darkred"]
    assert merged["styles"]["optimizer_colors"]["lion"] == ["gold", "gold"]
    assert json.loads(json.dumps(DEFAULT_RENDER)) == DEFAULT_RENDER
    assert weight_label("w2-5-250") == "w2[5,250]"
    assert pair_labels("w1-200-30_w1-200-31") == ("w1[200,30]", "w1[200,31]")
    assert start_label("a-10.1_b15") == "start (-10.1, 15)"
    assert select_frames([[0, None, 100]], 250) == [0, 100, 200]
    assert select_frames([5, [0, 10, 5]], 7) == [5, 0]
    assert select_frames([[500, 900, 100]], 50) == [50]


def test_grid_order_is_checked() -> None:
    """A grid table not in meshgrid ravel order (w_a fastest) is refused."""
    grid = _grid(5)
    land = Landscape.from_frame(grid, pair=PAIR)
    assert land.z.shape == (5, 5) and land.label_a == "w2[5,250]"
    assert land.z[0, 1] == grid["cost"][1]  # row = b index, column = a index
    swapped = grid.rename(columns={"w_a": "w_b", "w_b": "w_a"})
    with pytest.raises(ValueError, match="ravel order"):
        Landscape.from_frame(swapped)


def test_figure_rules_run_through_the_job_script(data: dict, tmp_path: Path) -> None:
    """scripts/job.py draws every figure kind from named inputs, outputs, params, wildcards."""
    grid = str(data["grid"])
    starts = [str(p) for p in data["starts"]]
    optim = [str(p) for p in data["optimizers"]]
    wildcards = {"seed": "135", "n": "100", "pair": PAIR}
    few = {"frames": [[0, 300, 150]]}
    tiny = {
        **SMALL,
        **{k: {**SMALL[k], **few} for k in ("descent3d", "descent2d", "compare3d", "compare2d")},
        "rotation": {**SMALL["rotation"], "n_frames": 2},
        "interactive": few,
    }
    o = tmp_path
    cases = {
        "surfaces": ({"grids": [grid, grid]}, {"png": o / "s.png"}, {"ns": [100, 10000]}),
        "contour": ({"grid": grid, "trajectories": starts}, {"png": o / "c.png"}, {}),
        "descent3d": (
            {"grid": grid, "trajectories": starts},
            {"gif": o / "d3.gif", "png": o / "d3.png"},
            {"names": STARTS, "style": "starts"},
        ),
        "descent2d": (
            {"grid": grid, "trajectories": starts},
            {"gif": o / "d2.gif", "png": o / "d2.png"},
            {},
        ),
        "compare3d": (
            {"grid": grid, "trajectories": optim},
            {"gif": o / "c3.gif", "png": o / "c3.png"},
            {"names": OPTIMIZERS},
        ),
        "compare2d": (
            {"grid": grid, "trajectories": optim},
            {"gif": o / "c2.gif", "png": o / "c2.png"},
            {},
        ),
        "rotation": ({"grid": grid}, {"gif": o / "r.gif", "png": o / "r.png"}, {}),
        "interactive": (
            {"grid": grid, "trajectories": optim},
            {"html": o / "p.html"},
            {"style": "optimizers"},
        ),
        "contact_sheet": (
            {"grids": [grid, grid]},
            {"png": o / "g.png"},
            {"seeds": [1, 2], "page": 1},
        ),
    }
    for rule, (inputs, outputs, params) in cases.items():
        outs = {k: str(v) for k, v in outputs.items()}
        log = o / f"{rule}.log"
        smk = snakemake_stub(rule, inputs, outs, {**params, "render": tiny}, log, wildcards)
        runpy.run_path(str(ROOT / "scripts" / "job.py"), init_globals={"snakemake": smk})
        for path in outputs.values():
            assert path.stat().st_size > 0, (rule, path)
        assert "wrote" in log.read_text(), rule
    with Image.open(o / "d3.png") as im:
        prov = json.loads(im.text["Description"])  # type: ignore[attr-defined]
    assert prov["figure"] == "descent3d" and prov["params"]["names"] == STARTS
    assert prov["inputs"]["trajectories"] == starts
    page = (o / "p.html").read_text(encoding="utf-8")
    assert '"name":"NAdam"' in page  # optimizer names derived from the paths


def test_unknown_figure_kind_is_refused(tmp_path: Path) -> None:
    """A rule that is neither a data job nor a registered figure kind fails with the known kinds."""
    smk = snakemake_stub(
        "mystery", {}, {"png": str(tmp_path / "x.png")}, {}, tmp_path / "x.log", {}
    )
    with pytest.raises(ValueError, match="unknown figure kind 'mystery'; known: surfaces"):
        runpy.run_path(str(ROOT / "scripts" / "job.py"), init_globals={"snakemake": smk})
    assert "mystery job failed" in (tmp_path / "x.log").read_text()


@needs_chromium
def test_html_renders_in_headless_chromium(rendered: tuple[Path, Path], tmp_path: Path) -> None:
    """The page renders offline in headless Chromium: plots drawn, no console errors."""
    out, _ = rendered
    page = shutil.copy(out / "page.html", tmp_path / "page.html")
    _assert_page_renders(Path(page), tmp_path)


def _assert_page_renders(page: Path, tmp_path: Path) -> None:
    """Headless Chromium opens `page` from disk: no console errors, both plots drawn, not blank."""
    url = page.resolve().as_uri()
    dom = run_chromium(["--dump-dom", url], tmp_path / "profile1")
    errors = console_errors(dom)
    assert not errors, "\n".join(errors)
    for div in ("losslandscape-surface", "losslandscape-contour"):
        assert re.search(rf'id="{div}"[^>]*class="[^"]*js-plotly-plot', dom.stdout), div
    assert dom.stdout.count('class="main-svg"') >= 4
    assert "gl-container" in dom.stdout  # the 3D scene got a WebGL canvas
    shot = tmp_path / "shot.png"
    run = run_chromium([f"--screenshot={shot}", url], tmp_path / "profile2")
    assert shot.exists(), run.stderr[-2000:]
    with Image.open(shot) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50  # not blank


@needs_chromium
def test_page_with_shared_plotly_and_its_report_copy_render(data: dict, tmp_path: Path) -> None:
    """A page that loads the shared plotly.js by relative URL renders from disk, holds only its
    data; its report copy (plotly.js inline) renders alone; without the shared file it fails."""
    from losslandscape.jobs.figures import plotly_js_job, report_page_job
    from losslandscape.render.interactive import plotly_url, render_interactive

    js = tmp_path / "results" / "figures" / "plotly.min.js"
    plotly_js_job(str(js))
    page = tmp_path / "results" / "figures" / "1" / "20" / "page.html"
    land = load_landscape(data["grid"], pair=PAIR, seed=135, n=100)
    tracks = load_tracks(data["starts"], [Path(p).stem for p in data["starts"]])
    url = plotly_url(str(js), page)
    assert url == "../../plotly.min.js"
    render_interactive(land, tracks, page, options=SMALL, plotly_js=url)
    text = page.read_text()
    assert '<script charset="utf-8" src="../../plotly.min.js"></script>' in text
    assert page.stat().st_size < js.stat().st_size / 10  # the page holds only its data
    _assert_page_renders(page, tmp_path / "shared")
    copy = tmp_path / "report" / "page.html"
    report_page_job(str(page), str(js), str(copy))
    assert copy.stat().st_size > js.stat().st_size and "src=" not in copy.read_text()[:2000]
    _assert_page_renders(copy, tmp_path / "copy")
    alone = tmp_path / "alone" / "page.html"
    alone.parent.mkdir()
    shutil.copy(page, alone)
    with pytest.raises(AssertionError):
        _assert_page_renders(alone, tmp_path / "alone-profile")


def test_rotation_frames_equal_the_naive_every_frame_anew(tmp_path: Path) -> None:
    """The rotating GIF (one figure, the view turns) is byte-identical to the naive one that
    builds a new figure for every frame; a different look is not."""
    from losslandscape.render.reference import naive_render_rotation
    from losslandscape.render.surfaces import render_rotation

    a = np.linspace(-15, 17, 12)
    b = np.linspace(-15, 18, 10)
    mesh_a, mesh_b = np.meshgrid(a, b)
    land = Landscape(a, b, 4.7 + 0.01 * np.sin(mesh_a / 3) * np.cos(mesh_b / 4), seed=3, n=50)
    options = {"rotation": {"dpi": 30, "n_frames": 5}}
    render_rotation(land, tmp_path / "ours.gif", tmp_path / "ours.png", options=options)
    naive_render_rotation(land, tmp_path / "naive.gif", tmp_path / "naive.png", options=options)
    assert (tmp_path / "ours.gif").read_bytes() == (tmp_path / "naive.gif").read_bytes()
    with Image.open(tmp_path / "ours.gif") as gif:
        assert gif.n_frames == 5
    other = {"rotation": {"dpi": 30, "n_frames": 5, "elev": 60.0}}
    naive_render_rotation(land, tmp_path / "other.gif", None, options=other)
    assert (tmp_path / "other.gif").read_bytes() != (tmp_path / "ours.gif").read_bytes()
