"""End-to-end tests: the real workflow on tests/configs/small.yaml, offline, in a temporary folder.

One complete run (module fixture) is copied for each dry-run test; each test then asks Snakemake
what it would do after one config change, from two angles: `--summary` (per output file: rule and
plan) and the "Job stats" table of `-n` (jobs per rule). Both must agree with what the README
promises: changed parameters rerun only the steps that depend on them.

Every call passes --replace-workflow-config, so the config is exactly tests/configs/small.yaml (or
a whole edited copy of it) plus the schema's defaults, whichever config.yaml the Snakefile loads:
merged key by key into config.yaml, small.yaml could not narrow config.yaml's five optimizers.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import MNIST_DIR, config_variant, snakemake_process
from snakemake.utils import available_cpu_count

from losslandscape.network.names import start_name

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "tests" / "configs" / "small.yaml"
LOCAL_PROFILE = REPO / "workflow" / "profiles" / "local"
META_KEY = b"losslandscape"
#: The target rules run and dry-run here: the data steps (figures are tested elsewhere), so these
#: expectations hold whatever rendering rules `all` gains.
TARGETS = ("grids", "trajectories")
#: The rules whose jobs these tests count.
DATA_RULES = {"mnist_download", "grid", "trajectory"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file()
        or not (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file(),
        reason=f"offline MNIST test split not found at {MNIST_DIR} (this machine has no "
        "internet; the workflow tests need a local mirror)",
    ),
]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def small() -> dict[str, Any]:
    """A fresh copy of tests/configs/small.yaml."""
    with open(SMALL) as fh:
        return yaml.safe_load(fh)


CFG = small()
LAND = CFG["landscapes"]
TRAJ = CFG["trajectories"]
STARTS = [start_name(a, b) for a, b in TRAJ["starts"]]


def grid_files(cfg: dict[str, Any] = CFG) -> set[str]:
    """Every grid output of `cfg`, relative to the run directory."""
    land = cfg["landscapes"]
    return {
        f"results/grids/{s}/{n}/{p}.parquet"
        for s in land["seeds"]
        for n in land["n"]
        for p in land["pairs"]
    }


def trajectory_files(cfg: dict[str, Any] = CFG, optimizers: Any = None, starts: Any = None) -> set:
    """Trajectory outputs of `cfg` (optionally only some optimizers or start names)."""
    traj = cfg["trajectories"]
    optimizers = list(traj["optimizers"]) if optimizers is None else optimizers
    starts = [start_name(a, b) for a, b in traj["starts"]] if starts is None else starts
    return {
        f"results/trajectories/{s}/{n}/{p}/{o}/{st}.parquet"
        for s in traj["seeds"]
        for n in traj["n"]
        for p in traj["pairs"]
        for o in optimizers
        for st in starts
    }


def snakemake(
    workdir: Path, *args: str, config: Path = SMALL, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the TARGETS of the repository's workflow in `workdir`, one --configfile, offline."""
    return snakemake_process(workdir, config, *args, *TARGETS, timeout=timeout)


def run_ok(workdir: Path, *args: str, config: Path = SMALL) -> str:
    """Run and require success; return stdout + stderr."""
    proc = snakemake(workdir, *args, config=config)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"snakemake {' '.join(args)} failed:\n{out}"
    return out


def variant(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """small.yaml with `edit` applied, written next to the test's run directory."""
    return config_variant(SMALL, tmp_path, edit)


def planned(workdir: Path, config: Path = SMALL) -> dict[str, str]:
    """Output file -> rule of every job a run would execute, from `--summary`'s plan column."""
    out = run_ok(workdir, "--summary", config=config)
    rows = [line.split("\t") for line in out.splitlines() if "\t" in line]
    header = rows[0]
    assert header[0] == "output_file" and "plan" in header and "rule" in header, out
    table = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert table, f"--summary listed no files:\n{out}"
    return {row["output_file"]: row["rule"] for row in table if row["plan"] != "no update"}


def job_stats(workdir: Path, config: Path = SMALL) -> Counter:
    """Jobs per rule of a dry run (the 'Job stats' table); empty when nothing is to be done."""
    out = run_ok(workdir, "-n", config=config)
    if "Nothing to be done" in out:
        assert "Job stats" not in out, out
        return Counter()
    lines = out.splitlines()
    first = lines.index("Job stats:")
    assert re.match(r"job\s+count$", lines[first + 1]) and lines[first + 2].startswith("---"), out
    counts: Counter = Counter()
    for line in lines[first + 3 :]:
        rule, count = line.split()
        if rule == "total":
            assert int(count) == sum(counts.values()), out
            return counts
        counts[rule] = int(count)
    raise AssertionError(f"no total line in the Job stats table:\n{out}")


def assert_schedules(workdir: Path, config: Path, expected: set[str]) -> None:
    """A dry run with `config` would make exactly the data files `expected`, nothing else.

    Checked twice: the files `--summary` plans to update, and the jobs per rule of `-n`.
    """
    plan = planned(workdir, config)
    assert set(plan) == expected
    assert "mnist_download" not in plan.values()
    stats = job_stats(workdir, config)
    want = Counter("grid" if f.startswith("results/grids/") else "trajectory" for f in expected)
    assert Counter({rule: k for rule, k in stats.items() if rule in DATA_RULES}) == want
    if not expected:
        assert stats == Counter(), "a run with nothing to update still schedules jobs"
    else:  # besides the data jobs, only the target rules that collect them
        assert set(stats) - DATA_RULES <= set(TARGETS), stats


# --------------------------------------------------------------------------------------------
# Fixtures: one complete run, copied for each test that looks at it
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of small.yaml (never modified: tests get copies)."""
    workdir = tmp_path_factory.mktemp("complete") / "run"
    workdir.mkdir()
    run_ok(workdir, "-c2")
    return workdir


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def test_complete_run_makes_every_output(complete_run: Path) -> None:
    for rel in grid_files() | trajectory_files():
        assert (complete_run / rel).is_file(), rel
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert (complete_run / "resources" / "mnist" / name).is_file()
    assert len(grid_files()) == 2 and len(trajectory_files()) == 4


def test_grid_files_follow_design(complete_run: Path) -> None:
    grid = LAND["grid"]
    res = grid["resolution"]
    a_values = np.linspace(*grid["a"], res)
    b_values = np.linspace(*grid["b"], res)
    for rel in sorted(grid_files()):
        table = pq.read_table(complete_run / rel)
        assert table.column_names == ["w_a", "w_b", "cost"], rel
        assert all(str(t) == "double" for t in table.schema.types), rel
        assert table.num_rows == res**2, rel
        cols = {name: table.column(name).to_numpy() for name in table.column_names}
        m1, m2 = np.meshgrid(a_values, b_values)  # w_a varies fastest
        np.testing.assert_array_equal(cols["w_a"], m1.ravel())
        np.testing.assert_array_equal(cols["w_b"], m2.ravel())
        # J = mean over samples of a sum of 10 squared errors of sigmoids: in [0, 10].
        assert np.all(np.isfinite(cols["cost"])) and np.all(
            (cols["cost"] >= 0) & (cols["cost"] <= 10)
        )
        assert np.ptp(cols["cost"]) > 0, f"{rel}: flat landscape"

        meta = metadata(complete_run / rel)
        seed, n, pair = rel.removesuffix(".parquet").split("/")[2:]
        assert meta["kind"] == "grid"
        assert (meta["seed"], meta["n"], meta["pair"]) == (int(seed), int(n), pair)
        assert meta["hidden"] == CFG["network"]["hidden"]
        assert meta["split"] == "test"
        assert meta["a"] == grid["a"] and meta["b"] == grid["b"] and meta["resolution"] == res
        assert set(meta["mnist_md5"]) == {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}


def test_trajectory_files_follow_design(complete_run: Path) -> None:
    epochs = TRAJ["epochs"]
    for optimizer, given in TRAJ["optimizers"].items():
        for (a, b), name in zip(TRAJ["starts"], STARTS, strict=True):
            (rel,) = trajectory_files(optimizers=[optimizer], starts=[name])
            table = pq.read_table(complete_run / rel)
            assert table.column_names == ["epoch", "w_a", "w_b", "cost"], rel
            assert [str(t) for t in table.schema.types] == ["int64", "double", "double", "double"]
            assert table.num_rows == epochs + 1, rel
            cols = {c: table.column(c).to_numpy() for c in table.column_names}
            np.testing.assert_array_equal(cols["epoch"], np.arange(epochs + 1))
            assert (cols["w_a"][0], cols["w_b"][0]) == (a, b), f"{rel}: row 0 is not the start"
            assert np.all(np.isfinite(cols["cost"])), rel
            assert not np.all(cols["w_a"] == a), f"{rel}: the optimizer never moved"

            meta = metadata(complete_run / rel)
            assert meta["kind"] == "trajectory" and meta["optimizer"] == optimizer
            assert meta["start"] == [a, b] and meta["epochs"] == epochs
            assert meta["split"] == "test" and meta["hidden"] == CFG["network"]["hidden"]
            assert meta["diverged_at_epoch"] is None
            for key, value in given.items():  # the full constants, configured ones included
                assert meta["constants"][key] == value, (rel, key)


def metadata(path: Path) -> dict[str, Any]:
    """The JSON parameters under the Parquet key b'losslandscape'."""
    meta = pq.read_schema(path).metadata or {}
    assert META_KEY in meta, f"{path}: no {META_KEY!r} key in the Parquet metadata"
    return json.loads(meta[META_KEY])


def test_two_clean_runs_give_byte_identical_parquet(complete_run: Path, tmp_path: Path) -> None:
    second = tmp_path / "second"
    second.mkdir()
    run_ok(second, "-c2")
    first_files = sorted(p.relative_to(complete_run) for p in complete_run.rglob("*.parquet"))
    second_files = sorted(p.relative_to(second) for p in second.rglob("*.parquet"))
    assert first_files == second_files and len(first_files) == 6
    for rel in first_files:
        assert (complete_run / rel).read_bytes() == (second / rel).read_bytes(), str(rel)


# --------------------------------------------------------------------------------------------
# What a changed config reruns (dry runs on a copy of the complete run)
# --------------------------------------------------------------------------------------------


def test_complete_run_leaves_nothing_to_do(run_copy: Path) -> None:
    assert planned(run_copy) == {}
    assert job_stats(run_copy) == Counter()


def test_changing_one_lr_reruns_only_that_optimizers_trajectories(
    run_copy: Path, tmp_path: Path
) -> None:
    config = variant(tmp_path, lambda c: c["trajectories"]["optimizers"]["sgd"].update(lr=5))
    expected = trajectory_files(optimizers=["sgd"])
    assert len(expected) == len(STARTS)
    assert_schedules(run_copy, config, expected)


def test_changing_epochs_reruns_all_trajectories_only(run_copy: Path, tmp_path: Path) -> None:
    config = variant(tmp_path, lambda c: c["trajectories"].update(epochs=40))
    assert_schedules(run_copy, config, trajectory_files())


def test_adding_a_start_runs_only_the_new_starts_trajectories(
    run_copy: Path, tmp_path: Path
) -> None:
    config = variant(tmp_path, lambda c: c["trajectories"]["starts"].append([-11, 15]))
    expected = trajectory_files(starts=["a-11_b15"])
    assert len(expected) == len(TRAJ["optimizers"])
    assert_schedules(run_copy, config, expected)


def test_changing_resolution_reruns_only_grids(run_copy: Path, tmp_path: Path) -> None:
    config = variant(tmp_path, lambda c: c["landscapes"]["grid"].update(resolution=6))
    assert_schedules(run_copy, config, grid_files())


def test_changing_mirrors_reruns_nothing(run_copy: Path, tmp_path: Path) -> None:
    config = variant(
        tmp_path, lambda c: c["mnist"].update(mirrors=["https://example.invalid/mnist/"])
    )
    assert_schedules(run_copy, config, set())


def test_spelling_defaults_out_or_floats_as_ints_reruns_nothing(
    run_copy: Path, tmp_path: Path
) -> None:
    """adam's omitted constants are its defaults; lr 10 and 10.0 are the same learning rate."""

    def edit(cfg: dict[str, Any]) -> None:
        cfg["trajectories"]["optimizers"] = {"sgd": {"lr": 10.0}, "adam": {"lr": 10}}

    assert TRAJ["optimizers"]["adam"] == {"lr": 10, "beta1": 0.9, "beta2": 0.999, "eps": 0.1}
    assert_schedules(run_copy, variant(tmp_path, edit), set())


def test_shrinking_the_config_schedules_nothing(run_copy: Path, tmp_path: Path) -> None:
    """Dropping a pair and a start leaves the others up to date (and does not delete files)."""

    def edit(cfg: dict[str, Any]) -> None:
        cfg["landscapes"]["pairs"] = cfg["landscapes"]["pairs"][:1]
        cfg["trajectories"]["starts"] = cfg["trajectories"]["starts"][:1]

    assert_schedules(run_copy, variant(tmp_path, edit), set())


# --------------------------------------------------------------------------------------------
# The train split is not on the offline mirror
# --------------------------------------------------------------------------------------------


def test_a_damaged_mnist_file_stops_the_jobs_that_read_it(run_copy: Path) -> None:
    """One flipped byte in the downloaded images (the loader alone would not notice): every
    job that reads it stops, and its log names the file and how to fetch it again."""
    images = run_copy / "resources" / "mnist" / "t10k-images-idx3-ubyte.gz"
    data = bytearray(images.read_bytes())
    data[len(data) // 2] ^= 0xFF
    images.write_bytes(bytes(data))
    shutil.rmtree(run_copy / "logs")
    # The damaged file is newer than every output, so every job reading it reruns; target `all`
    # (the whole-network jobs too), not only the TARGETS the other tests run.
    proc = snakemake_process(run_copy, SMALL, "-c2", "--keep-going", "all")
    assert proc.returncode != 0, proc.stdout + proc.stderr
    # every log of a job that reads MNIST (the shared plotly.js is made without it)
    logs = sorted(p for p in (run_copy / "logs").rglob("*.log") if p.name != "plotly_js.log")
    rules = {log.relative_to(run_copy / "logs").parts[0] for log in logs}
    assert {"grid", "trajectory", "train"} <= rules, logs  # and the analysis jobs, ...
    for log in logs:
        text = log.read_text()
        assert "MnistChecksumError" in text and "t10k-images-idx3-ubyte.gz" in text, log
        assert "forcerun mnist_download" in text, log
    assert not any((run_copy / rel).exists() for rel in grid_files() | trajectory_files())


def provided_cores(out: str) -> int:
    """The core count a run's 'Provided cores: N' line reports."""
    found = re.search(r"^Provided cores: (\d+)", out, re.M)
    assert found, out
    return int(found[1])


def test_local_profile_settings_as_snakemake_reads_them() -> None:
    """The local profile's settings as Snakemake 9's command-line parser merges them."""
    from snakemake import cli

    base = ["-s", str(REPO / "Snakefile"), "--workflow-profile", str(LOCAL_PROFILE)]
    _, args = cli.parse_args(base)
    assert (args.keep_going, args.rerun_incomplete) == (True, True)
    assert args.cores == available_cpu_count()
    _, args = cli.parse_args([*base, "-c3"])
    assert args.cores == 3  # the command line wins
    _, plain = cli.parse_args(["-s", str(REPO / "Snakefile"), "-c1"])
    assert (plain.keep_going, plain.rerun_incomplete) == (False, False)


def test_local_profile_uses_every_core_and_keeps_going_past_a_failed_job(run_copy: Path) -> None:
    """With the local profile every grid and trajectory job is tried; a plain run stops at one."""
    images = run_copy / "resources" / "mnist" / "t10k-images-idx3-ubyte.gz"
    data = bytearray(images.read_bytes())
    data[len(data) // 2] ^= 0xFF  # newer than every output: all grid and trajectory jobs rerun,
    images.write_bytes(bytes(data))  # and each stops on its MNIST check
    local = ("--workflow-profile", str(LOCAL_PROFILE))
    other = 1 if available_cpu_count() > 1 else 2  # a -c that differs from the profile's
    runs = {
        "plain -c1": snakemake(run_copy, "-c1"),
        "local": snakemake(run_copy, *local),
        "local -c": snakemake(run_copy, *local, f"-c{other}"),
    }
    out = {name: proc.stdout + proc.stderr for name, proc in runs.items()}
    for name, proc in runs.items():
        assert proc.returncode != 0, out[name]
        assert "MnistChecksumError" in out[name], out[name]
    assert provided_cores(out["local"]) == available_cpu_count()
    assert provided_cores(out["local -c"]) == other
    failed = {name: re.findall(r"^Error in rule (\w+):$", text, re.M) for name, text in out.items()}
    every = sorted(["grid"] * len(grid_files()) + ["trajectory"] * len(trajectory_files()))
    assert len(failed["plain -c1"]) == 1, failed
    assert sorted(failed["local"]) == sorted(failed["local -c"]) == every, failed


def test_train_split_against_local_mirror_names_the_missing_file(tmp_path: Path) -> None:
    if (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"{MNIST_DIR} holds the train images: nothing is missing")

    def edit(cfg: dict[str, Any]) -> None:
        cfg["mnist"] = {"split": "train", "mirrors": [str(MNIST_DIR)]}  # no network at all

    config = variant(tmp_path, edit)
    workdir = tmp_path / "run"
    workdir.mkdir()
    proc = snakemake(workdir, "-c1", config=config)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "train-images-idx3-ubyte.gz" in out, out
    assert "could not get train-images-idx3-ubyte.gz" in out, out
    log = workdir / "logs" / "mnist_download" / "train-images-idx3-ubyte.gz.log"
    assert "train-images-idx3-ubyte.gz" in log.read_text()
    # No partial download left behind, and nothing computed from a missing split.
    mnist_dir = workdir / "resources" / "mnist"
    leftovers = {p.name for p in mnist_dir.iterdir()} if mnist_dir.exists() else set()
    assert leftovers <= {"train-labels-idx1-ubyte.gz"}, leftovers
    assert not (workdir / "results").exists() or not any((workdir / "results").rglob("*.parquet"))


# --------------------------------------------------------------------------------------------
# The process ends with its last job
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["success", "error"])
def test_run_ends_without_waiting_for_the_schedulers_timers(
    run_copy: Path, tmp_path: Path, outcome: str
) -> None:
    """Snakemake's job rate limiter starts a non-daemon wake-up timer, as long as its timespan, on
    every scheduling round, and Python waits for them at exit (1 s per run by default). The
    Snakefile's onsuccess/onerror hooks cancel them. With a 10-minute timespan the process would
    hang for 10 minutes without them; a run of a few seconds gets two minutes here."""
    config = variant(tmp_path, lambda c: c["trajectories"].update(epochs=40))
    if outcome == "error":  # a corrupt MNIST file: every job reading it fails
        images = run_copy / "resources" / "mnist" / "t10k-images-idx3-ubyte.gz"
        images.write_bytes(b"not gzip")
    args = ("-c2", "--max-jobs-per-timespan", "1000/10m")
    try:
        proc = snakemake(run_copy, *args, config=config, timeout=120)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            "snakemake kept running after its jobs: the scheduler's timers were not cancelled "
            f"(onsuccess/onerror hooks of the Snakefile)\n{exc.stdout}{exc.stderr}"
        ) from exc
    out = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == (outcome == "success"), out
    assert ("Finished jobid" in out) == (outcome == "success"), out
