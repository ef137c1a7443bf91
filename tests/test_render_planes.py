"""Tests of the whole-network figures (losslandscape.render.planes) on small synthetic files."""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import snakemake_stub
from PIL import Image

from losslandscape.io import write_table
from losslandscape.render import registry
from losslandscape.render.data import ALPHA_LABEL, load_path, load_plane, load_training
from losslandscape.render.planes import plane_note, snapshot_options

ROOT = Path(__file__).resolve().parents[1]
RUNS = ["sgd", "adam"]
#: Snapshot epochs per run: adam diverged after epoch 25 (its files end there).
EPOCHS = {"sgd": [0, 10, 20, 30, 40], "adam": [0, 10, 20, 25]}
SNAPSHOTS = sorted({e for epochs in EPOCHS.values() for e in epochs})  # one frame each
WILDCARDS = {"seed": "135", "n": "100", "plane": "sgd-pca", "line": "init_sgd"}
KINDS = [name for name, kind in registry.REGISTRY.items() if kind.module in ("planes", "curves")]

# Small figures keep the test fast; frames stay the default (every snapshot).
SMALL = {
    "plane_contour": {"figsize": [6.0, 3.0], "dpi": 40},
    "plane_surfaces": {"figsize": [6.0, 3.0], "dpi": 40},
    "plane_descent3d": {"figsize": [4.0, 4.0], "dpi": 40},
    "plane_descent2d": {"figsize": [4.0, 4.0], "dpi": 40},
    "plane_interactive": {"max_path_points": 60},
    "plane_distance": {"figsize": [4.0, 4.0], "dpi": 40},
    "training_curves": {"figsize": [4.0, 4.0], "dpi": 40},
    "line_plot": {"figsize": [4.0, 4.0], "dpi": 40},
}


def _cost(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """A bowl with a ripple: J over the plane."""
    return 0.3 + alpha**2 + 0.5 * beta**2 + 0.05 * np.sin(4 * alpha)


def _accuracy(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Accuracy falling away from the centre."""
    return np.clip(0.95 - 0.3 * (alpha**2 + beta**2), 0.0, 1.0)


def _write_data(root: Path, distance: bool = True) -> dict:
    """grid, directions, paths, training files and a line in the pipeline's formats."""
    plane = root / "planes" / "135" / "100" / "sgd-pca"
    m1, m2 = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1.2, 1.2, 7))  # alpha fastest
    a, b = m1.ravel(), m2.ravel()
    write_table(
        plane / "grid.parquet",
        {"alpha": a, "beta": b, "cost": _cost(a, b), "accuracy": _accuracy(a, b)},
        {"kind": "plane_grid", "plane": "sgd-pca"},
    )
    rng = np.random.default_rng(0)
    d1, d2 = rng.normal(size=12), rng.normal(size=12)
    write_table(
        plane / "directions.parquet",
        {
            "weight": np.array([f"w{i}" for i in range(12)], dtype=object),
            "centre": rng.normal(size=12),
            "d1": d1,
            "d2": d2,
        },
        {"kind": "directions", "explained_variance_ratio": [0.81234, 0.1234]},
    )
    paths, training = [], []
    for i, run in enumerate(RUNS):
        epoch = np.array(EPOCHS[run], dtype=np.int64)
        s = 1 - epoch / 40
        alpha, beta = (0.9 - 0.2 * i) * s, (-0.8 + 0.3 * i) * s**2
        columns = {
            "epoch": epoch,
            "alpha": alpha,
            "beta": beta,
            "cost": _cost(alpha, beta) + 0.2 * s,
            "plane_cost": _cost(alpha, beta),
        }
        if distance:
            columns["distance"] = 0.5 * s + 0.01 * (i + 1)
        path = plane / f"path_{run}.parquet"
        write_table(path, columns, {"kind": "plane_path"})
        paths.append(str(path))
        every = np.arange(epoch[-1] + 1, dtype=np.int64)
        diverged = None if run == "sgd" else int(epoch[-1])
        train = root / "training" / "135" / "100" / f"{run}.parquet"
        write_table(
            train,
            {
                "epoch": every,
                "cost": 2.3 * np.exp(-every / (10 + 5 * i)) + 0.05,
                "accuracy": 0.1 + 0.85 * (1 - np.exp(-every / 8)),
            },
            {"kind": "training", "diverged_at_epoch": diverged},
        )
        training.append(str(train))
    line = root / "lines" / "135" / "100" / "init_sgd.parquet"
    t = np.linspace(-0.5, 1.5, 21)
    write_table(
        line,
        {
            "t": t,
            "cost": 1 + (t - 1) ** 2 + 0.3 * np.sin(3 * t),
            "accuracy": 0.5 + 0.4 * np.cos(t - 1),
        },
        {"kind": "line"},
    )
    return {
        "grid": str(plane / "grid.parquet"),
        "directions": str(plane / "directions.parquet"),
        "paths": paths,
        "training": training,
        "line": str(line),
    }


def _inputs(data: dict, kind: str) -> dict:
    """The named inputs of a kind's rule (workflow/rules/plane_figures.smk)."""
    if kind == "training_curves":
        return {"training": data["training"]}
    if kind == "line_plot":
        return {"line": data["line"]}
    plane = {k: data[k] for k in ("grid", "paths", "directions")}
    return {**plane, "training": data["training"]} if kind == "plane_surfaces" else plane


def _outputs(out: Path, kind: str) -> dict[str, str]:
    """The kind's output files under `out` (the registry's names, wildcards filled in)."""
    return {
        ext: str(out / Path(t.format(**WILDCARDS)).name)
        for ext, t in registry.REGISTRY[kind].outputs().items()
    }


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The synthetic result files."""
    return _write_data(tmp_path_factory.mktemp("results"))


RENDER_ALL = """
import json, sys
from losslandscape.render.registry import FigureJob, draw
spec = json.loads(sys.argv[1])
for kind, (inputs, outputs) in spec["jobs"].items():
    params = {"render": spec["render"], "figure": kind}
    if kind != "line_plot":
        params["runs"] = spec["runs"]
    draw(FigureJob(kind, inputs, outputs, params=params, wildcards=spec["wildcards"]))
"""


@pytest.fixture(scope="module")
def rendered(data: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Draw every kind twice through FigureJob, in two fresh processes with different hash seeds."""
    outs = [tmp_path_factory.mktemp("planes_a"), tmp_path_factory.mktemp("planes_b")]
    procs = []
    for seed, out in zip(("1", "2"), outs, strict=True):
        jobs = {kind: (_inputs(data, kind), _outputs(out, kind)) for kind in KINDS}
        spec = {"jobs": jobs, "render": SMALL, "runs": RUNS, "wildcards": WILDCARDS}
        env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg"}
        args = [sys.executable, "-c", RENDER_ALL, json.dumps(spec)]
        procs.append(subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    return outs[0], outs[1]


def _expected(out: Path) -> list[str]:
    """Every output file name of every kind."""
    return sorted(Path(p).name for kind in KINDS for p in _outputs(out, kind).values())


def test_the_whole_network_kinds_are_registered() -> None:
    assert KINDS == [
        "plane_contour",
        "plane_surfaces",
        "plane_descent3d",
        "plane_descent2d",
        "plane_interactive",
        "plane_distance",
        "training_curves",
        "line_plot",
    ]
    outputs = {k: registry.REGISTRY[k].outputs() for k in KINDS}
    assert outputs["plane_contour"] == {
        "png": "results/figures/{seed}/{n}/planes/plane_contour_{plane}.png"
    }
    assert outputs["plane_descent3d"]["gif"].endswith("/planes/plane_descent3d_{plane}.gif")
    assert outputs["training_curves"] == {"png": "results/figures/{seed}/{n}/training_curves.png"}
    assert outputs["line_plot"] == {"png": "results/figures/{seed}/{n}/lines/line_plot_{line}.png"}


def test_every_kind_writes_its_files(rendered: tuple[Path, Path]) -> None:
    """Every kind writes its files, and nothing else is left (no temp files)."""
    out, _ = rendered
    assert sorted(p.name for p in out.iterdir()) == _expected(out)
    for name in _expected(out):
        assert (out / name).stat().st_size > 0, name


def test_rerender_is_byte_identical(rendered: tuple[Path, Path]) -> None:
    """Two runs in separate processes give byte-identical PNG, GIF and HTML."""
    first, second = rendered
    for name in _expected(first):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_png_sizes_follow_the_options(rendered: tuple[Path, Path]) -> None:
    """Every still is figsize x dpi pixels; a GIF's still is its last frame's size."""
    out, _ = rendered
    for kind in KINDS:
        if kind == "plane_interactive":
            continue
        w, h = SMALL[kind]["figsize"]
        dpi = SMALL[kind]["dpi"]
        with Image.open(_outputs(out, kind)["png"]) as im:
            assert im.size == (round(w * dpi), round(h * dpi)), kind
        if "gif" in registry.REGISTRY[kind].extensions:
            with Image.open(_outputs(out, kind)["gif"]) as gif:
                assert gif.size == (round(w * dpi), round(h * dpi)), kind


def test_gifs_have_one_frame_per_snapshot(rendered: tuple[Path, Path]) -> None:
    """Default frames: every snapshot epoch of the paths (the union over runs), nothing else."""
    out, _ = rendered
    for kind in ("plane_descent3d", "plane_descent2d"):
        with Image.open(_outputs(out, kind)["gif"]) as gif:
            assert gif.n_frames == len(SNAPSHOTS) == 6, kind
    page = Path(_outputs(out, "plane_interactive")["html"]).read_text(encoding="utf-8")
    steps = re.findall(r'"label":"(\d+)","method":"animate"', page)
    assert steps[: len(SNAPSHOTS)] == [str(e) for e in SNAPSHOTS]


def test_provenance_is_embedded(rendered: tuple[Path, Path], data: dict) -> None:
    """PNG Description chunk, GIF comment, HTML meta: the kind, its inputs and params; no dates."""
    out, _ = rendered
    for kind in KINDS:
        files = _outputs(out, kind)
        if "png" in files:
            with Image.open(files["png"]) as im:
                text = dict(im.text)  # type: ignore[attr-defined]
            assert set(text) == {"Description"}, kind
            record = json.loads(text["Description"])
            raw = Path(files["png"]).read_bytes()
            assert b"tIME" not in raw and b"Software" not in raw, kind
        if "gif" in files:
            with Image.open(files["gif"]) as im:
                record = json.loads(im.info["comment"])
        if "html" in files:
            page = Path(files["html"]).read_text(encoding="utf-8")
            match = re.search(r'<meta name="losslandscape-provenance" content="([^"]*)">', page)
            assert match is not None
            record = json.loads(match.group(1).replace("&quot;", '"'))
        assert record["figure"] == kind
        assert record["inputs"] == json.loads(json.dumps(_inputs(data, kind)))
    page = Path(_outputs(out, "plane_interactive")["html"]).read_text(encoding="utf-8")
    assert '"name":"SGD"' in page and '"name":"Adam"' in page


@pytest.mark.parametrize("kind", ["plane_distance", "training_curves", "line_plot"])
def test_rules_run_through_the_job_script(data: dict, tmp_path: Path, kind: str) -> None:
    """scripts/job.py draws the kind from Snakemake's named inputs, outputs, params, wildcards."""
    outputs = _outputs(tmp_path, kind)
    params = {"render": SMALL, **({} if kind == "line_plot" else {"runs": RUNS})}
    log = tmp_path / f"{kind}.log"
    smk = snakemake_stub(kind, _inputs(data, kind), outputs, params, log, WILDCARDS)
    runpy.run_path(str(ROOT / "scripts" / "job.py"), init_globals={"snakemake": smk})
    assert Path(outputs["png"]).stat().st_size > 0
    assert "wrote" in log.read_text()


def test_plane_distance_fails_clearly_without_distance(tmp_path: Path) -> None:
    """A path file without `distance` stops the job naming file, column and what to rerun."""
    data = _write_data(tmp_path / "results", distance=False)
    outputs = _outputs(tmp_path / "out", "plane_distance")
    job = registry.FigureJob(
        "plane_distance",
        _inputs(data, "plane_distance"),
        outputs,
        params={"render": SMALL, "runs": RUNS},
        wildcards=WILDCARDS,
    )
    with pytest.raises(ValueError) as err:
        registry.draw(job)
    message = str(err.value)
    assert "path_sgd.parquet lacks column(s) 'distance'" in message
    assert "plane_path" in message and "it has: epoch, alpha, beta, cost, plane_cost" in message
    assert not Path(outputs["png"]).exists()
    # the other plane figures do not need it
    contour = _outputs(tmp_path / "out", "plane_contour")
    registry.draw(
        registry.FigureJob(
            "plane_contour",
            _inputs(data, "plane_contour"),
            contour,
            params={"render": SMALL},
            wildcards=WILDCARDS,
        )
    )
    assert Path(contour["png"]).stat().st_size > 0


def test_readers(data: dict) -> None:
    """Grids become (alpha, beta) landscapes; paths keep true J; accuracy from training files."""
    cost = load_plane(data["grid"], "cost", seed=135, n=100)
    acc = load_plane(data["grid"], "accuracy")
    assert cost.z.shape == (7, 9) and cost.label_a == ALPHA_LABEL
    assert cost.z[0, 1] == pytest.approx(_cost(cost.a[1], cost.b[0]))
    assert acc.z[3, 4] == pytest.approx(_accuracy(acc.a[4], acc.b[3]))
    sgd = load_path(data["paths"][0], "sgd")
    assert sgd.track().cost.tolist() == sgd.cost.tolist() and sgd.distance is not None
    run = load_training(data["training"][1], "adam")
    assert run.diverged_at == 25
    np.testing.assert_array_equal(run.accuracy_at(np.array([0, 10, 25])), run.accuracy[[0, 10, 25]])
    with pytest.raises(ValueError, match=r"run adam has no row for epoch\(s\) \[30\]"):
        run.accuracy_at(np.array([0, 30]))
    assert plane_note({"explained_variance_ratio": [0.81234, 0.1234]}) == (
        "PCA explained variance: d1 81.2%, d2 12.3%"
    )
    assert plane_note({"eigenvalues": [12.3456, 0.5]}) == "Hessian eigenvalues: d1 12.35, d2 0.5"
    assert plane_note({}) == ""


def test_snapshot_frames_and_zlim(data: dict) -> None:
    """Null frames = every snapshot epoch; given frames are kept; zlim reaches the true J."""
    land = load_plane(data["grid"])
    tracks = [load_path(p, r).track() for p, r in zip(data["paths"], RUNS, strict=True)]
    opts = snapshot_options({}, "plane_descent3d", land, tracks, zlim=True)
    assert opts["plane_descent3d"]["frames"] == SNAPSHOTS
    lo, hi = opts["plane_descent3d"]["zlim"]
    assert lo <= land.zrange[0] and hi >= max(float(t.cost.max()) for t in tracks)
    given = snapshot_options(
        {"plane_descent2d": {"frames": [[0, 40, 20]]}}, "plane_descent2d", land, tracks
    )
    assert given["plane_descent2d"]["frames"] == [[0, 40, 20]]
    with pytest.raises(ValueError, match="needs at least one path"):
        snapshot_options({}, "plane_descent2d", land, [])


def test_plane_contour_marks_an_analysed_planes_critical_points(data: dict, tmp_path: Path):
    """With inputs.critical (alpha, beta columns) the cost panel shows the points by kind."""
    from losslandscape.render.data import load_critical
    from losslandscape.render.registry import FigureJob, draw

    crit = tmp_path / "critical_points.parquet"
    write_table(
        crit,
        {
            "alpha": np.array([0.0, -0.6]), "beta": np.array([0.0, 0.5]),
            "cost": np.array([0.3, 0.7]), "grad_norm": np.array([1e-12, 1e-12]),
            "eig_min": np.array([1.0, -1.0]), "eig_max": np.array([2.0, 1.0]),
            "kind": np.array(["minimum", "saddle"], dtype=object),
        },
        {"kind": "critical_points"},
    )  # fmt: skip
    points = load_critical(crit)
    assert points.w_a.tolist() == [0.0, -0.6] and points.kind == ("minimum", "saddle")
    pngs = {}
    for name, extra in (("plain", {}), ("marked", {"critical": str(crit)})):
        out = {"png": str(tmp_path / f"{name}.png")}
        params = {"render": SMALL, "figure": "plane_contour", "runs": RUNS}
        inputs = {**_inputs(data, "plane_contour"), **extra}
        draw(FigureJob("plane_contour", inputs, out, params=params, wildcards=WILDCARDS))
        pngs[name] = np.asarray(Image.open(out["png"]).convert("RGB")).astype(int)
    differ = np.any(pngs["plain"] != pngs["marked"], axis=2)
    half = differ.shape[1] // 2
    assert differ[:, :half].sum() > 20  # the markers and their legend entries, on the cost panel
    assert not differ[:, half:].any()  # the accuracy panel is unchanged


@pytest.mark.parametrize(
    ("line", "ends", "formula"),
    [
        ("init_sgd", ("initial network", "SGD, final network"), r"(1 - t)\,\theta_{\mathrm{init}}"),
        ("adam2_init", ("adam2, final network", "initial network"), r"\theta_{\mathrm{adam2}}"),
        ("sgd-random3", ("SGD, final network", "+ random direction 3"), "d random3"),
    ],
)
def test_line_plot_names_both_kinds_of_line(
    data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, ends, formula: str
) -> None:
    """Between lines name their two ends; random lines their centre and direction."""
    from losslandscape.render import curves

    seen: dict = {}
    monkeypatch.setattr(curves, "render_line_plot", lambda *args, **kw: seen.update(kw))
    job = registry.FigureJob(
        "line_plot",
        _inputs(data, "line_plot"),
        _outputs(tmp_path, "line_plot"),
        params={"render": SMALL, "line": line},
        wildcards={**WILDCARDS, "line": line},
    )
    registry.draw(job)
    assert seen["ends"] == ends
    assert f"line {line}: " in seen["title"] and formula in seen["title"]


def test_training_curves_and_line_plots_draw_the_heldout_records(data: dict, tmp_path) -> None:
    """Held-out records (one per run) and a line file's held-out columns change the figures:
    the held-out curves are drawn, dashed, beside the training ones; a held-out record per run
    is required."""
    from losslandscape.render.curves import render_training_curves

    runs = [load_training(f, run) for f, run in zip(data["training"], RUNS, strict=True)]
    out = {name: tmp_path / f"{name}.png" for name in ("plain", "held", "line", "line_held")}
    render_training_curves(runs, out["plain"], options=SMALL)
    render_training_curves(runs, out["held"], heldout=runs, options=SMALL)
    assert out["plain"].read_bytes() != out["held"].read_bytes()
    with pytest.raises(ValueError, match="2 runs but 1 held-out records"):
        render_training_curves(runs, tmp_path / "bad.png", heldout=runs[:1], options=SMALL)
    t = np.linspace(-0.5, 1.5, 11)
    columns = {"t": t, "cost": 1 + t**2, "accuracy": 0.5 + 0.1 * t}
    held = {"heldout_cost": 1.2 + t**2, "heldout_accuracy": 0.4 + 0.1 * t}
    for name, cols in (("line", columns), ("line_held", {**columns, **held})):
        path = tmp_path / f"{name}.parquet"
        write_table(path, cols, {"kind": "line"})
        job = registry.FigureJob(
            "line_plot", {"line": str(path)}, {"png": str(out[name])},
            params={"render": SMALL}, wildcards={**WILDCARDS, "line": "init_sgd"},
        )  # fmt: skip
        registry.draw(job)
    assert out["line"].read_bytes() != out["line_held"].read_bytes()
