"""Whole-network views through the real workflow (tests/configs/planes.yaml), offline.

Training runs, planes of the three direction kinds, paths and lines: the files and columns the
README promises, their relations (the path's cost is the run's own J, the grid's centre point is
the centre's J), precise reruns, byte-identical reruns.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import MNIST_DIR, REPO, config_variant, dry_run_jobs, needs_mnist, snakemake_output
from PIL import Image

from losslandscape.data.idx import load_split
from losslandscape.io import read_rows
from losslandscape.network.curvature import hvp
from losslandscape.network.evaluate import cost_and_accuracy
from losslandscape.network.model import flatten, init_weights
from losslandscape.network.names import weight_names
from losslandscape.network.spectrum import rademacher_probes
from losslandscape.network.training import snapshot_epochs
from losslandscape.reference import naive_plane_derivatives, naive_unflatten

CONFIG = REPO / "tests" / "configs" / "planes.yaml"
CFG = yaml.safe_load(CONFIG.read_text())
TARGETS = ("training", "planes", "lines")
SEED, N = CFG["training"]["seeds"][0], CFG["training"]["n"][0]
RUNS = list(CFG["training"]["runs"])
INIT = CFG["training"]["init"]
HELDOUT = CFG["training"]["heldout"]
PLANES = CFG["planes"]["names"]
ANALYSED = CFG["analysis"]["planes"]
LINES = CFG["lines"]["names"]
HIDDEN = CFG["network"]["hidden"]
PLANE_FIGURES = {
    "plane_contour", "plane_surfaces", "plane_descent3d", "plane_descent2d", "plane_interactive",
    "plane_distance",
}  # fmt: skip

pytestmark = [pytest.mark.slow, needs_mnist]


def smk(workdir: Path, *args: str, config: Path = CONFIG) -> str:
    """Run the whole-network targets of the workflow in `workdir` on exactly `config`."""
    return snakemake_output(workdir, config, *TARGETS, *args)


def stats(workdir: Path, config: Path = CONFIG) -> Counter:
    """Jobs per rule a dry run would execute."""
    return dry_run_jobs(smk(workdir, "-n", config=config), TARGETS)


def variant(tmp_path: Path, edit) -> Path:
    """planes.yaml with `edit` applied."""
    return config_variant(CONFIG, tmp_path, edit)


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory) -> Path:
    """One complete run of the whole-network targets."""
    workdir = tmp_path_factory.mktemp("planes-run")
    smk(workdir, "-c2")
    return workdir


def meta(path: Path) -> dict:
    """A result file's parameters."""
    return json.loads(pq.read_schema(path).metadata[b"losslandscape"])


def data() -> tuple[np.ndarray, np.ndarray]:
    """The first N test images and targets."""
    return load_split(
        MNIST_DIR / "t10k-images-idx3-ubyte.gz", MNIST_DIR / "t10k-labels-idx1-ubyte.gz", N
    )


def heldout_data() -> tuple[np.ndarray, np.ndarray]:
    """The held-out test images and targets of planes.yaml."""
    files = (MNIST_DIR / "t10k-images-idx3-ubyte.gz", MNIST_DIR / "t10k-labels-idx1-ubyte.gz")
    return load_split(*files, HELDOUT["n"], first=HELDOUT["first"])


def test_training_files(complete_run: Path) -> None:
    epochs, count = CFG["training"]["epochs"], CFG["training"]["snapshots"]
    x, y = data()
    for run in RUNS:
        base = complete_run / f"results/training/{SEED}/{N}"
        table = pq.read_table(base / f"{run}.parquet").to_pandas()
        assert list(table.columns) == ["epoch", "cost", "accuracy"]
        assert table["epoch"].tolist() == list(range(epochs + 1))
        snaps = pq.read_table(base / f"{run}_snapshots.parquet")
        assert snaps.column_names == ["epoch", "theta"]
        want = snapshot_epochs(epochs, count)
        assert snaps.column("epoch").to_numpy().tolist() == want.tolist()
        thetas = read_rows(base / f"{run}_snapshots.parquet", "theta")
        assert thetas.shape == (len(want), len(weight_names(HIDDEN)))
        init = flatten(init_weights(SEED, HIDDEN, INIT))
        assert np.array_equal(thetas[0], init)  # row 0 is the seed's network, scaled
        # every snapshot's J is the record of its epoch
        for k, theta in zip(want, thetas, strict=True):
            cost, acc = cost_and_accuracy(theta, x, y, HIDDEN)
            assert cost == table["cost"][k] and acc == table["accuracy"][k]
        m = meta(base / f"{run}.parquet")
        assert m["run"] == run and m["epochs"] == epochs and m["snapshots"] == count
        assert m["init"] == INIT and m["batch"] == CFG["training"]["runs"][run].get("batch")
        # the held-out record: every snapshot's J and accuracy on the held-out images
        held = pq.read_table(base / f"{run}_heldout.parquet").to_pandas()
        assert list(held.columns) == ["epoch", "cost", "accuracy"]
        assert held["epoch"].tolist() == want.tolist()
        hx, hy = heldout_data()
        for k, theta in enumerate(thetas):
            cost, acc = cost_and_accuracy(theta, hx, hy, HIDDEN)
            assert held["cost"][k] == pytest.approx(cost, rel=1e-12)
            assert held["accuracy"][k] == acc
        assert meta(base / f"{run}_heldout.parquet")["heldout"] == HELDOUT


def test_sharpness_and_spectrum_files(complete_run: Path) -> None:
    """Sharpness at every snapshot equals an independent eigensolver's (scipy's ARPACK on the
    Hessian of J, halved) to 1e-8; the threshold is 2/lr for the full-batch sgd run and null for
    the mini-batch one; the spectrum's traces are the probes' v^T H v, its densities integrate
    to 1 at the snapshots of `at`."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    x, y = data()
    k = CFG["training"]["sharpness"]["eigenvalues"]
    spec = CFG["training"]["spectrum"]
    epochs = snapshot_epochs(CFG["training"]["epochs"], CFG["training"]["snapshots"])
    base = complete_run / f"results/training/{SEED}/{N}"
    for run, settings in CFG["training"]["runs"].items():
        table = pq.read_table(base / f"{run}_sharpness.parquet").to_pandas()
        assert list(table.columns) == ["epoch", *[f"lambda_{i + 1}" for i in range(k)]]
        assert table["epoch"].tolist() == epochs.tolist()
        m = meta(base / f"{run}_sharpness.parquet")
        full = settings.get("batch") is None and settings["optimizer"] == "sgd"
        assert m["threshold"] == (2.0 / settings["lr"] if full else None)
        assert m["run"]["run"] == run and m["eigenvalues"] == k
        # k + 1 exact products a snapshot at least (Rayleigh-Ritz on the float32 start's vectors)
        assert m["hessian_vector_products"] >= (k + 1) * len(epochs)
        assert m["float32_products"] > 0 and m["max_residual"] <= m["tol"] * table["lambda_1"].max()
        thetas = read_rows(base / f"{run}_snapshots.parquet", "theta")
        for i in (0, len(epochs) // 2, len(epochs) - 1):
            p = thetas.shape[1]
            op = LinearOperator((p, p), lambda v, t=thetas[i]: hvp(t, v, x, y, HIDDEN) / 2.0)
            start = np.random.RandomState(0).randn(p)
            want = np.sort(eigsh(op, k=k, which="LA", tol=1e-12, v0=start)[0])[::-1]
            got = table.iloc[i][[f"lambda_{j + 1}" for j in range(k)]].to_numpy(float)
            np.testing.assert_allclose(got, want, rtol=1e-8)
        # the spectrum
        frame = pq.read_table(base / f"{run}_spectrum.parquet").to_pandas()
        assert list(frame.columns) == ["epoch", "eigenvalue", "density"]
        m = meta(base / f"{run}_spectrum.parquet")
        assert m["lanczos"] == spec["lanczos"] and m["probes"] == spec["probes"]
        named = [epochs[0] if a == "first" else epochs[-1] if a == "last" else a
                 for a in spec["at"]]  # fmt: skip
        assert [r["epoch"] for r in m["spectrum"]] == named
        assert sorted(set(frame["epoch"])) == sorted(named)
        for r in m["spectrum"]:
            rows = frame[frame["epoch"] == r["epoch"]]
            assert np.trapezoid(rows["density"], rows["eigenvalue"]) == pytest.approx(1.0)
            theta = thetas[int(np.flatnonzero(epochs == r["epoch"])[0])]
            probes = rademacher_probes(SEED, r["epoch"], spec["probes"], thetas.shape[1])
            forms = [v @ hvp(theta, v, x, y, HIDDEN) / 2.0 for v in probes]
            assert r["trace"] == pytest.approx(np.mean(forms), rel=1e-9)
            se = np.std(forms, ddof=1) / np.sqrt(len(forms))
            assert r["trace_stderr"] == pytest.approx(se, rel=1e-6)
            assert len(r["ritz_values"]) == spec["probes"]
            assert all(len(nodes) == spec["lanczos"] for nodes in r["ritz_values"])


def test_plane_files(complete_run: Path) -> None:
    res = CFG["planes"]["grid"]["resolution"]
    x, y = data()
    for plane in PLANES:
        base = complete_run / f"results/planes/{SEED}/{N}/{plane}"
        dirs = pq.read_table(base / "directions.parquet").to_pandas()
        assert list(dirs.columns) == ["weight", "centre", "d1", "d2"]
        assert dirs["weight"].tolist() == weight_names(HIDDEN)
        m = meta(base / "directions.parquet")
        if plane.endswith("pca"):
            assert len(m["explained_variance_ratio"]) == 2
        if plane.endswith("hessian"):
            assert m["eigenvalues"][0] >= m["eigenvalues"][1]
        grid = pq.read_table(base / "grid.parquet").to_pandas()
        assert list(grid.columns) == ["alpha", "beta", "cost", "accuracy"] and len(grid) == res**2
        alphas = np.linspace(*CFG["planes"]["grid"]["a"], res)
        assert np.array_equal(grid["alpha"][:res], alphas)  # alpha fastest
        # an even resolution has no (0, 0) point: check one grid point against a full pass
        centre, d1, d2 = (dirs[c].to_numpy() for c in ("centre", "d1", "d2"))
        row = grid.iloc[res + 2]
        theta = centre + row["alpha"] * d1 + row["beta"] * d2
        cost, acc = cost_and_accuracy(theta, x, y, HIDDEN)
        assert cost == pytest.approx(row["cost"], rel=1e-12) and acc == row["accuracy"]
        for run in RUNS:
            path = pq.read_table(base / f"path_{run}.parquet").to_pandas()
            assert list(path.columns) == [
                "epoch", "alpha", "beta", "cost", "plane_cost", "distance",
            ]  # fmt: skip
            record = pq.read_table(complete_run / f"results/training/{SEED}/{N}/{run}.parquet")
            assert np.array_equal(path["cost"], record.column("cost").to_numpy()[path["epoch"]])
            assert (path["distance"] >= 0).all()
        if plane.split("-")[0] in RUNS:  # the centre run's final state lies on its plane
            path = pq.read_table(base / f"path_{plane.split('-')[0]}.parquet").to_pandas()
            assert path["distance"].iloc[-1] == pytest.approx(0, abs=1e-9)


def test_plane_analysis_files(complete_run: Path) -> None:
    """Critical points and plateaus of every analysed plane, checked against the naive oracle."""
    res = CFG["planes"]["grid"]["resolution"]
    threshold = CFG.get("analysis", {}).get("plateau_threshold", 1e-5)
    x, y = data()
    found = 0
    for plane in ANALYSED:
        base = complete_run / f"results/planes/{SEED}/{N}/{plane}"
        dirs = pq.read_table(base / "directions.parquet").to_pandas()
        centre, d1, d2 = (dirs[c].to_numpy() for c in ("centre", "d1", "d2"))
        crit = pq.read_table(base / "critical_points.parquet").to_pandas()
        assert list(crit.columns) == [
            "alpha", "beta", "cost", "grad_norm", "eig_min", "eig_max", "kind",
        ]  # fmt: skip
        m = meta(base / "critical_points.parquet")
        assert (m["kind"], m["plane"], m["resolution"]) == ("critical_points", plane, res)
        kind = plane.split("-")[1].rstrip("0123456789")
        assert m["directions"]["directions"] == kind  # the plane's recipe travels along
        assert meta(base / "plateaus.parquet")["directions"] == m["directions"]
        assert sum(m["counts"].values()) == len(crit)
        for row in crit.itertuples():
            want_j, want_g, want_h = naive_plane_derivatives(
                centre, d1, d2, row.alpha, row.beta, x, y, HIDDEN
            )
            assert np.hypot(*want_g) < 1e-8 and row.cost == pytest.approx(want_j, rel=1e-12)
            assert row.eig_max == pytest.approx(np.linalg.eigvalsh(want_h)[1], rel=1e-7)
        found += len(crit)
        grad = pq.read_table(base / "gradient.parquet").to_pandas()
        assert list(grad.columns) == ["alpha", "beta", "cost", "grad_alpha", "grad_beta"]
        assert len(grad) == res**2 and meta(base / "gradient.parquet")["resolution"] == res
        for i in (0, res + 2, res**2 - 1):
            row = grad.iloc[i]
            want_j, want_g, _ = naive_plane_derivatives(
                centre, d1, d2, row["alpha"], row["beta"], x, y, HIDDEN
            )
            assert row["cost"] == pytest.approx(want_j, rel=1e-12)
            np.testing.assert_allclose(row[["grad_alpha", "grad_beta"]], want_g, atol=1e-13)
        plat = pq.read_table(base / "plateaus.parquet").to_pandas()
        assert list(plat.columns) == ["alpha", "beta", "grad_norm", "plateau"]
        assert np.array_equal(plat[["alpha", "beta"]], grad[["alpha", "beta"]])
        assert np.array_equal(plat["grad_norm"], np.hypot(grad["grad_alpha"], grad["grad_beta"]))
        assert np.array_equal(plat["plateau"], plat["grad_norm"] < threshold)
        # the plane's contour figure marks them: it read the file (its provenance says so)
        png = complete_run / f"results/figures/{SEED}/{N}/planes/plane_contour_{plane}.png"
        record = json.loads(Image.open(png).text["Description"])
        assert record["inputs"]["critical"].endswith(f"{plane}/critical_points.parquet")
    assert found > 0  # the planes do have critical points in their range


def test_line_files(complete_run: Path) -> None:
    for line in LINES:
        table = pq.read_table(complete_run / f"results/lines/{SEED}/{N}/{line}.parquet")
        frame = table.to_pandas()
        assert list(frame.columns) == ["t", "cost", "accuracy", "heldout_cost", "heldout_accuracy"]
        assert np.array_equal(frame["t"], np.linspace(*CFG["lines"]["t"], CFG["lines"]["points"]))
    # J along init -> sgd's final state equals full passes at (1 - t) theta_init + t theta_sgd
    x, y = data()
    line = pq.read_table(complete_run / f"results/lines/{SEED}/{N}/init_sgd.parquet").to_pandas()
    start = flatten(init_weights(SEED, HIDDEN, INIT))
    end = read_rows(complete_run / f"results/training/{SEED}/{N}/sgd_snapshots.parquet", "theta")
    hx, hy = heldout_data()
    for i in (0, 4, len(line) - 1):
        t = line["t"][i]
        cost, acc = cost_and_accuracy((1 - t) * start + t * end[-1], x, y, HIDDEN)
        assert line["cost"][i] == pytest.approx(cost, rel=1e-12) and line["accuracy"][i] == acc
        cost, acc = cost_and_accuracy((1 - t) * start + t * end[-1], hx, hy, HIDDEN)
        assert line["heldout_cost"][i] == pytest.approx(cost, rel=1e-12)
        assert line["heldout_accuracy"][i] == acc
    # sgd-random0: sgd's final state plus t times a random direction filter-normalised to it
    path = complete_run / f"results/lines/{SEED}/{N}/sgd-random0.parquet"
    line = pq.read_table(path).to_pandas()
    raw = np.random.RandomState(0).randn(end.shape[1])
    pieces = zip(naive_unflatten(end[-1], HIDDEN), naive_unflatten(raw, HIDDEN), strict=True)
    d = np.concatenate(
        [(dl * (np.linalg.norm(c, axis=1) / np.linalg.norm(dl, axis=1))[:, None]).ravel()
         for c, dl in pieces]
    )  # fmt: skip
    for i in (0, 5, len(line) - 1):
        t = line["t"][i]
        cost, acc = cost_and_accuracy(end[-1] + t * d, x, y, HIDDEN)
        assert line["cost"][i] == pytest.approx(cost, rel=1e-12) and line["accuracy"][i] == acc
    assert meta(path)["centre_run"]["run"] == "sgd" and meta(path)["heldout"] == HELDOUT


def test_every_figure_is_made(complete_run: Path) -> None:
    root = complete_run / f"results/figures/{SEED}/{N}"
    names = {str(p.relative_to(root)) for p in root.rglob("*.*")}
    assert {"training_curves.png", "sharpness_plot.png"} <= names
    assert {f"spectrum_plot_{run}.png" for run in RUNS} <= names
    for plane in PLANES:
        for kind in PLANE_FIGURES:
            ext = "html" if kind == "plane_interactive" else "png"
            assert f"planes/{kind}_{plane}.{ext}" in names
        for kind in ("plane_descent3d", "plane_descent2d"):
            assert f"planes/{kind}_{plane}.gif" in names
    assert {f"lines/line_plot_{line}.png" for line in LINES} <= names


def test_nothing_to_do_after_a_complete_run(run_copy: Path) -> None:
    assert stats(run_copy) == Counter()


def test_plane_grid_range_reruns_only_plane_grids_and_their_figures(run_copy, tmp_path) -> None:
    cfg = variant(tmp_path, lambda c: c["planes"]["grid"].update(a=[-2, 2]))
    k, m = len(PLANES), len(ANALYSED)
    assert stats(run_copy, cfg) == Counter(
        {"plane_grid": k, **{kind: k for kind in PLANE_FIGURES}},
        plane_gradient=m, plane_critical_points=m, plane_plateaus=m,
    )  # fmt: skip


def test_plateau_threshold_reruns_only_plane_plateaus(run_copy, tmp_path) -> None:
    cfg = variant(tmp_path, lambda c: c.setdefault("analysis", {}).update(plateau_threshold=1e-3))
    assert stats(run_copy, cfg) == Counter(plane_plateaus=len(ANALYSED))


def test_analysed_planes_are_chosen_by_name(run_copy, tmp_path) -> None:
    """Analysing fewer planes redraws only their contours (no markers); a missing analysis
    reruns its two jobs and its contour figure only."""
    fewer = variant(tmp_path, lambda c: c["analysis"].update(planes=ANALYSED[:1]))
    assert stats(run_copy, fewer) == Counter(plane_contour=len(ANALYSED) - 1)
    for name in ("critical_points", "plateaus"):
        (run_copy / f"results/planes/{SEED}/{N}/{ANALYSED[-1]}/{name}.parquet").unlink()
    assert stats(run_copy) == Counter(plane_critical_points=1, plane_plateaus=1, plane_contour=1)


def test_training_epochs_rerun_runs_their_planes_paths_lines_not_pairs(run_copy, tmp_path):
    cfg = variant(tmp_path, lambda c: c["training"].update(epochs=20))
    got = stats(run_copy, cfg)
    centred = [p for p in PLANES if not p.startswith("init-")]
    assert got["train"] == got["heldout"] == len(RUNS)
    assert got["directions"] == len(centred)  # init-random0's directions do not change
    assert got["plane_grid"] == len(PLANES)  # b is auto: every plane's range holds the paths
    assert got["plane_path"] == len(PLANES) * len(RUNS)
    assert got["line"] == len(LINES)
    assert got["plane_gradient"] == got["plane_critical_points"] == len(ANALYSED)
    assert got["plane_plateaus"] == len(ANALYSED)
    assert not {"grid", "trajectory", "critical_points", "plateaus"} & set(got)


def test_clean_rerun_is_byte_identical(complete_run: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    smk(again, "-c2")
    for sub in ("training", "planes", "lines", "figures"):
        first = sorted((complete_run / "results" / sub).rglob("*.*"))
        second = sorted((again / "results" / sub).rglob("*.*"))
        assert [p.relative_to(complete_run) for p in first] == [
            p.relative_to(again) for p in second
        ]
        differ = [str(a) for a, b in zip(first, second, strict=True)
                  if a.read_bytes() != b.read_bytes()]  # fmt: skip
        assert not differ


def test_report_holds_the_whole_network_figures(run_copy: Path) -> None:
    smk(run_copy, "--report", "report.html")
    html = (run_copy / "report.html").read_text(errors="replace")
    for caption in (
        "How much of each training run the plane",
        "interpolation",
        "stability threshold dashed",
        "stochastic Lanczos quadrature",
    ):
        assert caption in html, caption


def test_one_runs_constants_rerun_that_run_and_what_is_drawn_from_it(run_copy, tmp_path) -> None:
    """adam's learning rate: adam's run and held-out record, the planes centred on adam, every
    plane's grid (b is auto: it holds adam's path), adam's paths, the lines through adam and
    the figures drawing them; nothing of sgd's run, nor of the pair landscapes."""
    cfg = variant(tmp_path, lambda c: c["training"]["runs"]["adam"].update(lr=0.02))
    got = stats(run_copy, cfg)
    on_adam = [p for p in PLANES if p.startswith("adam-")]
    assert got["train"] == got["heldout"] == 1
    assert got["directions"] == len(on_adam)
    assert got["plane_grid"] == len(PLANES)
    # adam's path on every plane, sgd's on the planes centred on adam
    assert got["plane_path"] == len(PLANES) + len(on_adam)
    assert got["line"] == len([line for line in LINES if "adam" in line])
    assert got["training_curves"] == got["sharpness_plot"] == 1
    assert got["sharpness"] == got["spectrum"] == got["spectrum_plot"] == 1
    assert not {"grid", "trajectory", "critical_points", "plateaus"} & set(got)


def test_new_heldout_images_rerun_only_heldout_records_lines_and_their_figures(
    run_copy, tmp_path
) -> None:
    cfg = variant(tmp_path, lambda c: c["training"]["heldout"].update(n=150))
    assert stats(run_copy, cfg) == Counter(
        heldout=len(RUNS), training_curves=1, line=len(LINES), line_plot=len(LINES)
    )


def test_sharpness_setting_reruns_only_sharpness_and_its_figure(run_copy, tmp_path) -> None:
    cfg = variant(tmp_path, lambda c: c["training"]["sharpness"].update(eigenvalues=1))
    assert stats(run_copy, cfg) == Counter(sharpness=len(RUNS), sharpness_plot=1)


def test_spectrum_setting_reruns_only_spectra_and_their_figures(run_copy, tmp_path) -> None:
    cfg = variant(tmp_path, lambda c: c["training"]["spectrum"].update(probes=2))
    assert stats(run_copy, cfg) == Counter(spectrum=len(RUNS), spectrum_plot=len(RUNS))
    cfg = variant(tmp_path, lambda c: c["training"].update(spectrum=None, sharpness=None))
    assert stats(run_copy, cfg) == Counter()  # switched off: nothing to make, nothing redrawn


def test_auto_ranges_hold_every_runs_path(complete_run: Path) -> None:
    """planes.grid.b auto: [-1, 1] and every projected snapshot, a fifth of the length added on
    each side; a stays as given. The ranges used are in the grid's metadata."""
    for plane in PLANES:
        base = complete_run / f"results/planes/{SEED}/{N}/{plane}"
        betas = [pq.read_table(base / f"path_{run}.parquet").column("beta").to_numpy()
                 for run in RUNS]  # fmt: skip
        finite = np.concatenate(betas)
        low, high = min(-1.0, np.nanmin(finite)), max(1.0, np.nanmax(finite))
        margin = (high - low) / 5
        m = meta(base / "grid.parquet")
        assert m["a"] == CFG["planes"]["grid"]["a"]
        assert m["b"] == pytest.approx([low - margin, high + margin], rel=1e-12)
        grid = pq.read_table(base / "grid.parquet").column("beta").to_numpy()
        assert grid.min() == pytest.approx(m["b"][0]) and grid.max() == pytest.approx(m["b"][1])


def test_the_api_writes_the_workflows_files(complete_run: Path, tmp_path: Path, monkeypatch):
    """losslandscape.train, heldout, sharpness, spectrum, plane and line run the workflow's own
    jobs: from the same plain values they write byte for byte the workflow's files."""
    import losslandscape as ll

    monkeypatch.setenv("LOSSLANDSCAPE_CACHE", str(tmp_path / "cache"))
    ll.set_workspace(tmp_path / "api")
    t = CFG["training"]
    network = {"seed": SEED, "n": N, "epochs": t["epochs"], "snapshots": t["snapshots"]}
    runs = []
    for name, given in t["runs"].items():
        given = dict(given)
        optimizer, batch = given.pop("optimizer"), given.pop("batch", None)
        run = ll.train(name, optimizer, given, batch, init=INIT, progress=False, **network)
        ll.heldout(run, HELDOUT)
        ll.sharpness(run, t["sharpness"]["eigenvalues"], progress=False)
        spec = t["spectrum"]
        ll.spectrum(run, spec["at"], spec["lanczos"], spec["probes"], progress=False)
        runs.append(run)
    grid = CFG["planes"]["grid"]
    for name in PLANES:
        p = ll.plane(name, runs, grid["a"], grid["b"], grid["resolution"], progress=False)
        assert set(p.paths) == set(RUNS) and p.name == name
    for name in LINES:
        ll.line(name, runs, CFG["lines"]["t"], CFG["lines"]["points"], HELDOUT)
    made = sorted(p.relative_to(tmp_path / "api") for p in (tmp_path / "api").rglob("*.parquet"))
    assert len(made) == len(RUNS) * 5 + len(PLANES) * (2 + len(RUNS)) + len(LINES)
    for name in made:
        assert (tmp_path / "api" / name).read_bytes() == (complete_run / name).read_bytes(), name
