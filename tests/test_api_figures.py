"""losslandscape.api.figures: the workflow's figures from data frames.

The slow tests run the small workflow configs once (tests/configs/figures.yaml and planes.yaml)
and check that each function, given the result files as frames (columns + attrs) and the
config's render options, draws the workflow's figure: saved with the workflow's save step and
the file's provenance text, the same PNG bytes; the animation's GIF the same bytes. The fast
ones check, on small synthetic frames, the animation object, the plotly figure, which kind an
animation is drawn as, and the errors for frames without the needed columns.
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml
from conftest import REPO, needs_mnist, snakemake_output
from matplotlib.figure import Figure
from PIL import Image

from losslandscape.api import figures as api
from losslandscape.io import read_frame, read_metadata
from losslandscape.render import registry
from losslandscape.render.interactive import SURFACE_DIV
from losslandscape.render.output import GifAnimation, save_figure_png

FIGURES = REPO / "tests" / "configs" / "figures.yaml"
PLANES = REPO / "tests" / "configs" / "planes.yaml"
FIG_CFG = yaml.safe_load(FIGURES.read_text())
PLANE_CFG = yaml.safe_load(PLANES.read_text())
PAIR = FIG_CFG["trajectories"]["pairs"][0]
SEED, N = FIG_CFG["trajectories"]["seeds"][0], FIG_CFG["trajectories"]["n"][0]
STARTS = ["a-9_b15", "a-10.1_b15"]
OPTIMIZERS = list(FIG_CFG["trajectories"]["optimizers"])
RUNS = list(PLANE_CFG["training"]["runs"])
NET_SEED, NET_N = PLANE_CFG["training"]["seeds"][0], PLANE_CFG["training"]["n"][0]


def read(path: Path) -> pd.DataFrame:
    """A result file as the API reads it: its columns, attrs = its metadata."""
    frame = read_frame(path)
    frame.attrs = read_metadata(path)
    return frame


def provenance(path: Path) -> str:
    """The provenance text a workflow PNG (Description chunk) or GIF (comment) holds."""
    with Image.open(path) as image:
        if path.suffix == ".gif":
            return image.info["comment"].decode("utf-8")
        return image.text["Description"]  # type: ignore[attr-defined]


def png_bytes(fig: Figure, like: Path, tmp_path: Path) -> bytes:
    """`fig` saved by the workflow's save step with the provenance of the workflow file `like`."""
    out = tmp_path / f"api_{like.name}"
    save_figure_png(fig, out, provenance(like))
    return out.read_bytes()


# ---------------------------------------------------------------------- the workflow's files
@pytest.fixture(scope="module")
def figures_run(tmp_path_factory) -> Path:
    """One run of the pair-landscape figures (figures.yaml)."""
    workdir = tmp_path_factory.mktemp("api-figures")
    snakemake_output(workdir, FIGURES, "figures", "-c2")
    return workdir


@pytest.fixture(scope="module")
def planes_run(tmp_path_factory) -> Path:
    """One run of the whole-network targets (planes.yaml)."""
    workdir = tmp_path_factory.mktemp("api-planes")
    snakemake_output(workdir, PLANES, "training", "planes", "lines", "-c2")
    return workdir


def pair_files(workdir: Path) -> tuple[Path, Path, Path]:
    """The figures folder, results folder of the trajectories and grid of the config's pair."""
    figures = workdir / "results" / "figures" / str(SEED) / str(N) / PAIR
    trajectories = workdir / "results" / "trajectories" / str(SEED) / str(N) / PAIR
    grid = workdir / "results" / "grids" / str(SEED) / str(N) / f"{PAIR}.parquet"
    return figures, trajectories, grid


def of_optimizer(trajectories: Path, optimizer: str) -> dict[str, pd.DataFrame]:
    """Every start of one optimizer, by start name (what a descent or contour draws)."""
    return {s: read(trajectories / optimizer / f"{s}.parquet") for s in STARTS}


def of_start(trajectories: Path, start: str) -> dict[str, pd.DataFrame]:
    """Every optimizer from one start, by optimizer name (what a comparison draws)."""
    return {o: read(trajectories / o / f"{start}.parquet") for o in OPTIMIZERS}


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("n", FIG_CFG["landscapes"]["n"])
def test_surface_figure_is_the_surfaces_panel_of_its_n(figures_run, tmp_path, n) -> None:
    """The workflow's surfaces.png holds one panel per N side by side, which surface_figure
    (one grid) does not reproduce; it gives the bytes the surfaces job writes for that grid
    alone (the file of a config with that one N)."""
    grid = figures_run / "results" / "grids" / str(SEED) / str(n) / f"{PAIR}.parquet"
    workflow_png = figures_run / "results" / "figures" / str(SEED) / PAIR / "surfaces.png"
    one = tmp_path / "surfaces.png"
    job = registry.FigureJob(
        "surfaces",
        {"grids": [str(grid)]},
        {"png": str(one)},
        params={"render": FIG_CFG["render"], "ns": [n], "provenance": provenance(workflow_png)},
        wildcards={"seed": str(SEED), "pair": PAIR},
    )
    registry.draw(job)
    fig = api.surface_figure(read(grid), options=FIG_CFG["render"])
    assert png_bytes(fig, workflow_png, tmp_path) == one.read_bytes()
    with Image.open(workflow_png) as both, Image.open(one) as alone:
        assert both.size == (2 * alone.size[0], alone.size[1])


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_contour_figure_gives_the_workflows_png(figures_run, tmp_path, optimizer) -> None:
    figures, trajectories, grid = pair_files(figures_run)
    critical = read(
        figures_run / "results" / "analysis" / str(SEED) / str(N) / PAIR / "critical_points.parquet"
    )
    fig = api.contour_figure(
        read(grid), of_optimizer(trajectories, optimizer), critical, options=FIG_CFG["render"]
    )
    like = figures / f"contour_{optimizer}.png"
    assert png_bytes(fig, like, tmp_path) == like.read_bytes()


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("scene", ["3d", "2d"])
def test_descent_animation_gives_the_workflows_gifs(figures_run, tmp_path, scene) -> None:
    """One optimizer's starts: the descent GIFs; every optimizer from one start: the
    comparison GIFs. The GIF bytes, the still and the inline <img> are the workflow's."""
    figures, trajectories, grid = pair_files(figures_run)
    cases = [(f"descent{scene}_{o}", of_optimizer(trajectories, o)) for o in OPTIMIZERS]
    cases += [(f"compare{scene}_{s}", of_start(trajectories, s)) for s in STARTS]
    for stem, runs in cases:
        gif = figures / f"{stem}.gif"
        movie = api.descent_animation(
            read(grid), runs, scene, options=FIG_CFG["render"], provenance=provenance(gif)
        )
        assert isinstance(movie, GifAnimation)
        assert movie.gif == gif.read_bytes(), stem
        assert base64.b64encode(gif.read_bytes()).decode() in movie._repr_html_()
        movie.save(tmp_path / f"{stem}.gif")
        assert (tmp_path / f"{stem}.gif").read_bytes() == gif.read_bytes()
        movie.save_still(tmp_path / f"{stem}.png", provenance(gif))
        assert (tmp_path / f"{stem}.png").read_bytes() == (figures / f"{stem}.png").read_bytes()


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("start", STARTS)
def test_interactive_figure_is_the_pages_3d_view(figures_run, start) -> None:
    """The plotly figure has the surface and one path per optimizer, and is the first figure
    of the workflow's page (its HTML is in the page)."""
    figures, trajectories, grid = pair_files(figures_run)
    runs = of_start(trajectories, start)
    critical = read(
        figures_run / "results" / "analysis" / str(SEED) / str(N) / PAIR / "critical_points.parquet"
    )
    fig = api.interactive_figure(read(grid), runs, critical=critical, options=FIG_CFG["render"])
    assert isinstance(fig, go.Figure)
    assert [type(t).__name__ for t in fig.data].count("Surface") == 1
    lines = [t for t in fig.data if isinstance(t, go.Scatter3d) and t.mode == "lines"]
    assert [t.name for t in lines] == ["SGD", "Adam"]
    part = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=SURFACE_DIV,
        auto_play=False,
        config={"displaylogo": False},
    )
    assert part in (figures / f"interactive_{start}.html").read_text(encoding="utf-8")


def network_files(workdir: Path) -> tuple[Path, Path]:
    """The training results and the figures folder of the whole-network run."""
    training = workdir / "results" / "training" / str(NET_SEED) / str(NET_N)
    return training, workdir / "results" / "figures" / str(NET_SEED) / str(NET_N)


@pytest.mark.slow
@needs_mnist
def test_training_sharpness_and_spectrum_figures_give_the_workflows_pngs(
    planes_run, tmp_path
) -> None:
    training, figures = network_files(planes_run)
    render = PLANE_CFG["render"]
    records = {r: read(training / f"{r}.parquet") for r in RUNS}
    heldout = {r: read(training / f"{r}_heldout.parquet") for r in RUNS}
    sharpness = {r: read(training / f"{r}_sharpness.parquet") for r in RUNS}
    made = {
        "training_curves.png": api.training_figure(records, heldout, options=render),
        "sharpness_plot.png": api.sharpness_figure(sharpness, records, options=render),
    }
    for run in RUNS:
        spectrum = read(training / f"{run}_spectrum.parquet")
        made[f"spectrum_plot_{run}.png"] = api.spectrum_figure(spectrum, options=render)
    for name, fig in made.items():
        assert png_bytes(fig, figures / name, tmp_path) == (figures / name).read_bytes(), name
    # without the held-out records the curves are the training ones alone
    plain = api.training_figure(records, options=render)
    assert (
        png_bytes(plain, figures / "training_curves.png", tmp_path)
        != (figures / "training_curves.png").read_bytes()
    )


@pytest.mark.slow
@needs_mnist
def test_line_figure_gives_the_workflows_pngs(planes_run, tmp_path) -> None:
    _, figures = network_files(planes_run)
    lines = planes_run / "results" / "lines" / str(NET_SEED) / str(NET_N)
    for line in PLANE_CFG["lines"]["names"]:
        like = figures / "lines" / f"line_plot_{line}.png"
        fig = api.line_figure(read(lines / f"{line}.parquet"), options=PLANE_CFG["render"])
        assert png_bytes(fig, like, tmp_path) == like.read_bytes(), line


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("plane", PLANE_CFG["planes"]["names"])
def test_plane_figures_give_the_workflows_pngs(planes_run, tmp_path, plane) -> None:
    """plane_contour with the paths and critical points; plane_distance with the directions
    (whose d1, d2 give the dotted in-plane offsets the workflow draws; without them the
    figure lacks those curves)."""
    _, figures = network_files(planes_run)
    folder = planes_run / "results" / "planes" / str(NET_SEED) / str(NET_N) / plane
    render = PLANE_CFG["render"]
    grid = read(folder / "grid.parquet")
    paths = {r: read(folder / f"path_{r}.parquet") for r in RUNS}
    contour = api.plane_contour_figure(
        grid, paths, read(folder / "critical_points.parquet"), options=render
    )
    like = figures / "planes" / f"plane_contour_{plane}.png"
    assert png_bytes(contour, like, tmp_path) == like.read_bytes()
    directions = read(folder / "directions.parquet")
    like = figures / "planes" / f"plane_distance_{plane}.png"
    distance = api.plane_distance_figure(paths, grid, directions=directions, options=render)
    assert png_bytes(distance, like, tmp_path) == like.read_bytes()
    # the title's note also comes from the directions alone; only the grid's attrs name it
    alone = api.plane_distance_figure(paths, directions=directions, options=render)
    assert png_bytes(alone, like, tmp_path) == like.read_bytes()
    without = api.plane_distance_figure(paths, grid, options=render)
    assert png_bytes(without, like, tmp_path) != like.read_bytes()


# ---------------------------------------------------------------------- synthetic frames
SMALL = {
    "surfaces": {"panel_size": [5, 5], "dpi": 10},
    "contour": {"figsize": [5, 5], "dpi": 10},
    "descent3d": {"figsize": [5, 5], "dpi": 10, "frames": [[0, 9, 4]]},
    "descent2d": {"figsize": [5, 5], "dpi": 10, "frames": [[0, 9, 4]]},
    "compare3d": {"figsize": [6, 6], "dpi": 10, "frames": [[0, 9, 4]]},
    "compare2d": {"figsize": [6, 6], "dpi": 10, "frames": [[0, 9, 4]]},
    "interactive": {"frames": [[0, 9, 4]]},
    "training_curves": {"figsize": [5, 5], "dpi": 10},
    "line_plot": {"figsize": [5, 5], "dpi": 10},
    "plane_contour": {"figsize": [10, 5], "dpi": 10},
    "plane_distance": {"figsize": [5, 5], "dpi": 10},
    "sharpness_plot": {"figsize": [5, 5], "dpi": 10},
    "spectrum_plot": {"figsize": [5, 5], "dpi": 10},
}


def grid_frame(first: str = "w_a", second: str = "w_b") -> pd.DataFrame:
    """A 5 x 4 cost grid in numpy.meshgrid ravel order (first coordinate fastest)."""
    a, b = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 2, 4))
    frame = pd.DataFrame({first: a.ravel(), second: b.ravel(), "cost": 1 + a.ravel() ** 2})
    frame.attrs = {"seed": 3, "n": 100, "pair": PAIR}
    return frame


def trajectory(optimizer: str | None, shift: float = 0.0) -> pd.DataFrame:
    """Ten epochs towards (0, 0); attrs name the optimizer when given."""
    epoch = np.arange(10)
    w = (1.5 - shift) * 0.8**epoch
    frame = pd.DataFrame({"epoch": epoch, "w_a": w, "w_b": w / 2, "cost": 1 + w**2})
    frame.attrs = {} if optimizer is None else {"optimizer": optimizer}
    return frame


def test_animation_is_a_descent_for_one_optimizer_and_a_comparison_for_several() -> None:
    """Several starts of one optimizer are drawn as descent2d (its options), the same start of
    several optimizers as compare2d; the object embeds its GIF for notebooks and saves it."""
    starts = {"a-1.5_b0.75": trajectory("sgd"), "a-1_b0.5": trajectory("sgd", 0.5)}
    descent = api.descent_animation(grid_frame(), starts, "2d", options=SMALL)
    optimizers = {"sgd": trajectory("sgd"), "adam": trajectory("adam", 0.5)}
    compare = api.descent_animation(grid_frame(), optimizers, "2d", options=SMALL)
    assert descent.last_frame.shape[:2] == (50, 50)
    assert compare.last_frame.shape[:2] == (60, 60)
    assert descent.epochs == compare.epochs == (0, 4, 8)
    # without attrs, start names mean one optimizer and other names one optimizer each
    bare = {name: trajectory(None) for name in starts}
    assert api.descent_animation(grid_frame(), bare, "3d", options=SMALL).last_frame.shape[0] == 50
    bare = {name: trajectory(None) for name in optimizers}
    assert api.descent_animation(grid_frame(), bare, "3d", options=SMALL).last_frame.shape[0] == 60
    html = compare._repr_html_()
    assert html.startswith('<img src="data:image/gif;base64,')
    assert base64.b64decode(html.split("base64,")[1].split('"')[0]) == compare.gif
    with pytest.raises(ValueError, match="kind must be '3d' or '2d'"):
        api.descent_animation(grid_frame(), starts, "4d", options=SMALL)


def test_animation_saves_its_gif(tmp_path) -> None:
    optimizers = {"sgd": trajectory("sgd"), "adam": trajectory("adam", 0.5)}
    movie = api.descent_animation(grid_frame(), optimizers, options=SMALL, provenance="made so")
    movie.save(tmp_path / "movie.gif")
    assert (tmp_path / "movie.gif").read_bytes() == movie.gif
    with Image.open(tmp_path / "movie.gif") as gif:
        assert gif.n_frames == len(movie.epochs) == 3  # type: ignore[attr-defined]
        assert gif.info["comment"] == b"made so"


def test_interactive_figure_has_the_surface_and_one_path_per_trajectory() -> None:
    runs = {name: trajectory(name, 0.1 * i) for i, name in enumerate(["sgd", "adam", "rmsprop"])}
    fig = api.interactive_figure(grid_frame(), runs, options=SMALL)
    surfaces = [t for t in fig.data if isinstance(t, go.Surface)]
    paths = [t for t in fig.data if isinstance(t, go.Scatter3d) and t.mode == "lines"]
    assert len(surfaces) == 1
    cost = grid_frame()["cost"].to_numpy().reshape(4, 5)  # rows: w_b, columns: w_a
    assert np.array_equal(surfaces[0].z, cost)
    assert [p.name for p in paths] == ["SGD", "Adam", "RMSProp"]
    assert [f.name for f in fig.frames] == ["0", "4", "8"]
    assert "seed 3, N: 100, w2[5,250], w2[5,251]" in fig.layout.title.text


def test_static_figures_of_synthetic_frames() -> None:
    """Every static function returns a laid-out matplotlib figure."""
    runs = {"a-1.5_b0.75": trajectory("sgd"), "a-1_b0.5": trajectory("sgd", 0.5)}
    plane = grid_frame("alpha", "beta").assign(accuracy=lambda f: 0.5 + 0.1 * f["beta"])
    plane.attrs = {"seed": 3, "n": 100, "plane": "sgd-pca"}
    path = pd.DataFrame({"epoch": [0, 5, 9], "alpha": [1.0, 0.5, 0.0], "beta": [0.0, 0.5, 1.0],
                         "cost": [2.0, 1.5, 1.0], "plane_cost": [2.1, 1.4, 1.0],
                         "distance": [0.3, 0.2, 0.0]})  # fmt: skip
    record = pd.DataFrame({"epoch": np.arange(10), "cost": 1 / (1 + np.arange(10.0)),
                           "accuracy": np.linspace(0.1, 0.9, 10)})  # fmt: skip
    record.attrs = {"seed": 3, "n": 100}
    t = np.linspace(-0.5, 1.5, 5)
    line = pd.DataFrame({"t": t, "cost": 1 + t**2, "accuracy": 0.5 + 0.1 * t})
    line.attrs = {"line": "init_sgd", "seed": 3, "n": 100}
    sharp = pd.DataFrame({"epoch": [0, 9], "lambda_1": [1.0, 1.8], "lambda_2": [0.5, 0.7]})
    sharp.attrs = {"threshold": 2.0, "seed": 3, "n": 100}
    spectrum = pd.DataFrame({"epoch": [0, 0, 0], "eigenvalue": [0.0, 1.0, 2.0],
                             "density": [0.1, 0.5, 0.1]})  # fmt: skip
    spectrum.attrs = {"spectrum": [{"epoch": 0, "trace": 3.0, "trace_stderr": 0.1}],
                      "run": {"run": "sgd"}, "probes": 3, "lanczos": 6,
                      "seed": 3, "n": 100}  # fmt: skip
    figures = [
        api.surface_figure(grid_frame(), options=SMALL),
        api.contour_figure(grid_frame(), runs, options=SMALL),
        api.plane_contour_figure(plane, {"sgd": path}, options=SMALL),
        api.plane_contour_figure(plane, options=SMALL),
        api.plane_distance_figure({"sgd": path}, plane, options=SMALL),
        api.training_figure({"sgd": record}, {"sgd": record}, options=SMALL),
        api.line_figure(line, options=SMALL),
        api.sharpness_figure({"sgd": sharp}, {"sgd": record}, options=SMALL),
        api.spectrum_figure(spectrum, options=SMALL),
    ]
    for fig in figures:
        assert isinstance(fig, Figure) and fig.axes
    assert figures[6].get_suptitle().startswith("seed 3, N: 100, line init_sgd: ")
    spectrum_title = "seed 3, N: 100, Hessian spectrum of run sgd (3 probes, 6 Lanczos steps)"
    assert figures[8].get_suptitle() == spectrum_title


def test_frames_without_the_needed_columns_are_refused_by_name() -> None:
    runs = {"sgd": trajectory("sgd")}
    record = pd.DataFrame({"epoch": [0, 1], "cost": [2.0, 1.0], "accuracy": [0.1, 0.2]})
    path = pd.DataFrame({"epoch": [0], "alpha": [0.0], "beta": [0.0], "cost": [1.0]})
    plane = grid_frame("alpha", "beta")  # no accuracy
    cases = [
        (lambda: api.surface_figure(grid_frame().drop(columns="cost")),
         "grid table lacks column 'cost'"),
        (lambda: api.contour_figure(grid_frame(), {"sgd": trajectory("sgd").drop(columns="w_b")}),
         "trajectory 'sgd'.*'w_b'"),
        (lambda: api.descent_animation(grid_frame().drop(columns="w_a"), runs), "'w_a'"),
        (lambda: api.interactive_figure(grid_frame(), {"sgd": trajectory("sgd").drop(
            columns="epoch")}), "'epoch'"),
        (lambda: api.contour_figure(grid_frame(), runs, pd.DataFrame({"w_a": [0.0]})), "'w_b'"),
        (lambda: api.plane_contour_figure(plane), "plane grid frame lacks column.*'accuracy'"),
        (lambda: api.plane_distance_figure({"sgd": path}),
         "path frame of run 'sgd' lacks column.*'plane_cost', 'distance'"),
        (lambda: api.plane_distance_figure({"sgd": path.assign(plane_cost=1.0, distance=0.0)},
         directions=pd.DataFrame({"d1": [1.0]})), "directions frame lacks column.*'d2'"),
        (lambda: api.training_figure({"adam": record.drop(columns="accuracy")}),
         "training record frame of run 'adam' lacks column.*'accuracy'"),
        (lambda: api.training_figure({"adam": record}, {"adam": record.drop(columns="cost")}),
         "held-out record frame of run 'adam' lacks column.*'cost'"),
        (lambda: api.training_figure({"adam": record}, {"sgd": record}),
         "heldout lacks the run.*'adam'"),
        (lambda: api.line_figure(pd.DataFrame({"t": [0.0], "cost": [1.0]}), name="init_sgd"),
         "line frame lacks column.*'accuracy'"),
        (lambda: api.line_figure(pd.DataFrame({"t": [0.0], "cost": [1.0], "accuracy": [1.0]})),
         "line's name"),
        (lambda: api.sharpness_figure({"sgd": pd.DataFrame({"epoch": [0], "lambda_1": [1.0]})},
                                      {"sgd": record.drop(columns="cost")}),
         "training record frame of run 'sgd' lacks column.*'cost'"),
        (lambda: api.sharpness_figure({"sgd": pd.DataFrame({"epoch": [0]})}, {"sgd": record}),
         "sharpness frame of run 'sgd' lacks column.*'lambda_1'"),
        (lambda: api.spectrum_figure(with_spectrum(pd.DataFrame({"epoch": [0],
                                                                 "eigenvalue": [1.0]}))),
         "spectrum frame lacks column.*'density'"),
        (lambda: api.spectrum_figure(pd.DataFrame({"epoch": [0], "eigenvalue": [1.0],
                                                   "density": [1.0]})), "attrs\\['spectrum'\\]"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    two = pd.DataFrame({"epoch": [0], "lambda_1": [1.0]})
    two.attrs = {"eigenvalues": 2}
    with pytest.raises(ValueError, match="sharpness frame of run 'sgd' lacks column.*'lambda_2'"):
        api.sharpness_figure({"sgd": two}, {"sgd": record})
    with pytest.raises(TypeError, match="mapping name -> DataFrame"):
        api.contour_figure(grid_frame(), [trajectory("sgd")])  # type: ignore[arg-type]


def with_spectrum(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with attrs naming one snapshot at epoch 0."""
    frame.attrs = {"spectrum": [{"epoch": 0, "trace": 1.0}]}
    return frame
