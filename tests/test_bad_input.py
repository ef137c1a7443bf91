"""Bad input that used to slip through: non-finite numbers, pairs spelled two ways, jobs too big
for the machine, a gallery sweep too large to plan, and damaged intermediate results.

The config checks are tested as tests/test_config.py tests them (the shipped config with one
value changed, through the same steps as workflow/rules/common.smk); the gallery and damaged-file
cases also through Snakemake, on tests/configs/small.yaml.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import MNIST_DIR, snakemake_process
from test_config import _set, changed, check, error_of

from losslandscape import paths, resources
from losslandscape.config import (
    ConfigError,
    check_memory,
    gallery_landscapes,
    gallery_size_errors,
    memory_errors,
)
from losslandscape.io import (
    MADE_BY,
    DamagedFileError,
    read_column_names,
    read_columns,
    read_frame,
    read_metadata,
    read_rows,
    rule_of,
    to_arrow_rows,
    write_table,
)

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO / "tests" / "configs" / "small.yaml"
needs_mnist = pytest.mark.skipif(
    not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file()
    or not (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file(),
    reason=f"offline MNIST test split not found at {MNIST_DIR}",
)


# --------------------------------------------------------------------------------------------
# Non-finite numbers: one walk over the whole config
# --------------------------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
#: One numeric key of every section (and a non-numeric one: the walk looks everywhere).
NONFINITE = {
    "mnist": ("mnist.mirrors", [NAN], "mnist.mirrors[0] = .nan"),
    "network": ("network.hidden", [50, INF], "network.hidden[1] = .inf"),
    "landscapes grid range": ("landscapes.grid.a", [-INF, INF], "landscapes.grid.a[0] = -.inf"),
    "landscapes resolution": ("landscapes.grid.resolution", NAN, "grid.resolution = .nan"),
    "trajectories starts": ("trajectories.starts", [[NAN, 15]], "trajectories.starts[0][0] = .nan"),
    "trajectories lr": ("trajectories.optimizers.sgd.lr", NAN, "optimizers.sgd.lr = .nan"),
    "trajectories rho": ("trajectories.optimizers.momentum.rho", NAN, "momentum.rho = .nan"),
    "trajectories epochs": ("trajectories.epochs", INF, "trajectories.epochs = .inf"),
    "training": ("training.epochs", NAN, "training.epochs = .nan"),
    "planes": ("planes.grid.b", [-1, INF], "planes.grid.b[1] = .inf"),
    "lines": ("lines.t", [NAN, 1.5], "lines.t[0] = .nan"),
    "gallery": ("gallery.seeds", [0, INF], "gallery.seeds[1] = .inf"),
    "analysis threshold": ("analysis.plateau_threshold", NAN, "plateau_threshold = .nan"),
    "analysis basins": ("analysis.basins.resolution", INF, "basins.resolution = .inf"),
    "render": ("render", {"descent3d": {"dpi": NAN}}, "render.descent3d.dpi = .nan"),
}


@pytest.mark.parametrize("case", list(NONFINITE), ids=list(NONFINITE))
def test_a_non_finite_number_is_refused_naming_key_and_value(case: str) -> None:
    key, value, says = NONFINITE[case]
    message = error_of(changed(_set(key, value)))
    assert f"{says}: must be a finite number" in message, message
    # nothing else: the schema's own message about the same key is left out
    lines = message.split("\n  - ")[1:]
    assert all("must be a finite number" in line for line in lines), message


def test_yaml_spellings_of_non_finite_numbers_are_refused() -> None:
    """What a user types: YAML's .nan and .inf (floats once parsed), in a merged override."""
    text = "landscapes: {grid: {a: [-.inf, .inf]}}\nanalysis: {plateau_threshold: .nan}"
    override = yaml.safe_load(text)
    config = changed(lambda c: (c["landscapes"].update(override["landscapes"]),
                                c["analysis"].update(override["analysis"])))  # fmt: skip
    message = error_of(config)
    for says in ("landscapes.grid.a[0] = -.inf", "landscapes.grid.a[1] = .inf",
                 "analysis.plateau_threshold = .nan"):  # fmt: skip
        assert says in message, message


# --------------------------------------------------------------------------------------------
# Duplicates under another spelling
# --------------------------------------------------------------------------------------------

DUPLICATES = {
    "swapped in one list": (
        _set("landscapes.pairs", ["w2-5-250_w2-5-251", "w2-5-251_w2-5-250"]),
        ["landscapes.pairs[1] = 'w2-5-251_w2-5-250'", "landscapes.pairs[0] = 'w2-5-250_w2-5-251'",
         "swapped"],
    ),
    "leading zero in another section": (
        _set("trajectories.pairs", ["w2-05-250_w2-5-251"]),
        ["trajectories.pairs[0] = 'w2-05-250_w2-5-251'",
         "landscapes.pairs[0] = 'w2-5-250_w2-5-251'", "spelled differently"],
    ),
    "gallery": (
        _set("gallery.pairs", ["w1-200-30_w1-200-31", "w1-200-031_w1-200-30"]),
        ["gallery.pairs[1] = 'w1-200-031_w1-200-30'", "gallery.pairs[0] = 'w1-200-30_w1-200-31'"],
    ),
    "plane": (
        _set("planes.names", ["init-random0", "init-random00"]),
        ["planes.names[1] = 'init-random00'", "planes.names[0] = 'init-random0'"],
    ),
    "start by value": (
        _set("trajectories.starts", [[0, 15], [-0.0, 15]]),
        ["trajectories.starts[1] = [-0.0, 15]", "trajectories.starts[0] = [0, 15]"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(DUPLICATES), ids=list(DUPLICATES))
def test_a_duplicate_under_another_spelling_names_both(case: str) -> None:
    edit, needles = DUPLICATES[case]
    message = error_of(changed(edit))
    for needle in needles:
        assert needle in message, message


def test_the_same_spelling_in_two_sections_is_one_landscape() -> None:
    """The shipped config has w2-5-250_w2-5-251 in landscapes and trajectories: one grid."""
    check(changed(_set("gallery.pairs", ["w2-5-250_w2-5-251"])))


# --------------------------------------------------------------------------------------------
# Jobs that need more memory than the machine has
# --------------------------------------------------------------------------------------------


def test_a_grid_resolution_beyond_the_memory_limit_is_refused() -> None:
    config = check(changed(_set("landscapes.grid.resolution", 100_000)))  # passes the schema
    sizes = resources.JobSizes.of(config, {"n": 10_000})
    estimate = resources.mem_mb("critical_points", sizes)  # the largest job
    errors = memory_errors(config, 24_000, "this machine's memory")
    assert len(errors) == 1, errors
    error = errors[0]
    assert error.startswith("config key landscapes.grid.resolution = 100000: a critical_points")
    assert f"{estimate:,} MB" in error and "24,000 MB (this machine's memory)" in error
    assert "--resources mem_mb=" in error and "--set-resources critical_points:mem_mb=" in error
    with pytest.raises(ConfigError):
        check_memory(config, 24_000, "this machine's memory")
    check_memory(config, estimate, "the run's --resources mem_mb")  # raised: accepted
    # rules the user sized with --set-resources are theirs
    assert memory_errors(config, 24_000, "x", {"grid", "critical_points", "plateaus"}) == []


def test_basin_and_epoch_counts_beyond_the_memory_limit_are_refused() -> None:
    def edit(c: dict[str, Any]) -> None:
        c["analysis"]["basins"]["resolution"] = 20_000
        c["trajectories"]["epochs"] = 10**9

    errors = memory_errors(check(changed(edit)), 24_000, "this machine's memory")
    starts = [e.split(" job ")[0] for e in errors]
    assert "config key analysis.basins.resolution = 20000: a basins" in starts, errors
    assert "config key trajectories.epochs = 1000000000: a trajectory" in starts, errors
    assert memory_errors(check(changed(lambda c: None)), 24_000, "x") == []  # the defaults fit


def test_the_machine_limit_is_this_machines_memory() -> None:
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 10**6
    assert 0 < resources.machine_mem_mb() <= total
    assert resources.memory_limit(None) == (resources.machine_mem_mb(), "this machine's memory")
    assert resources.memory_limit(5000) == (5000, "the run's --resources mem_mb")


def smk(
    workdir: Path, *args: str, config: Path = SMALL, timeout: float = 600
) -> subprocess.CompletedProcess:
    """The repository's workflow in `workdir` on exactly `config`, offline."""
    return snakemake_process(workdir, config, *args, timeout=timeout)


def small_variant(tmp_path: Path, **sections: Any) -> Path:
    """small.yaml with whole sections replaced or added."""
    cfg = yaml.safe_load(SMALL.read_text())
    for name, value in sections.items():
        cfg[name] = {**cfg.get(name, {}), **value}
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_snakemake_refuses_a_job_too_big_for_the_machine_before_any_job(tmp_path: Path) -> None:
    """Resolution 20,000: the grid jobs' own estimate is above this machine's memory (the test
    host has well under 200 GB); `--resources mem_mb` raises the limit."""
    land = yaml.safe_load(SMALL.read_text())["landscapes"]
    grid = {**land["grid"], "resolution": 20_000}
    config = small_variant(tmp_path, landscapes={"grid": grid}, gallery={"n": [20]})  # N = 20
    sizes = resources.JobSizes(n=20, hidden=(50, 500), grid_resolution=20_000)
    estimate = resources.mem_mb("critical_points", sizes)
    assert estimate > resources.machine_mem_mb()
    proc = smk(tmp_path, "-n", "grids", config=config)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "config key landscapes.grid.resolution = 20000" in out, out
    assert f"{estimate:,} MB" in out and "this machine's memory" in out, out
    assert "Building DAG" not in out and "Job stats" not in out, out
    raised = smk(tmp_path, "-n", "grids", "--resources", f"mem_mb={estimate}", config=config)
    assert raised.returncode == 0, raised.stdout + raised.stderr


# --------------------------------------------------------------------------------------------
# The gallery sweep: planned only when a target needs it, and only up to a limit
# --------------------------------------------------------------------------------------------


def test_a_gallery_too_large_to_plan_names_seeds_count_and_limit() -> None:
    config = check(changed(_set("gallery.seeds", [0, 10_000_000])))
    count = gallery_landscapes(config)
    assert count == 10_000_001 * 2 * 2
    (error,) = gallery_size_errors(config)
    limit = resources.planning_limit()
    assert error.startswith("config key gallery.seeds = [0, 10000000]: the gallery sweep has")
    assert f"{count:,} landscapes" in error and f"the {limit:,} " in error
    assert gallery_size_errors(check(changed(lambda c: None))) == []


def _job_counts(out: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run as rule -> count."""
    table = out[out.index("Job stats:") :].splitlines()[3:]
    counts = {}
    for line in table:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


@needs_mnist
def test_a_huge_gallery_costs_nothing_to_commands_that_do_not_run_it(tmp_path: Path) -> None:
    """`-n grids` with ten million gallery seeds plans what it planned without them (before,
    it grew past 2 GB); asking for the gallery itself stops at once with the sweep's size."""
    gallery = {"pairs": ["w1-5-5_w1-5-6"], "n": [20], "seeds": [0, 1]}
    normal = smk(tmp_path, "-n", "grids", config=small_variant(tmp_path, gallery=gallery))
    assert normal.returncode == 0, normal.stdout + normal.stderr
    huge = small_variant(tmp_path, gallery={**gallery, "seeds": [0, 10_000_000]})
    timer = Path("/usr/bin/time")
    prefix = [str(timer), "-f", "maxrss_kb=%M"] if timer.exists() else []
    env = {**os.environ, "MNIST_MIRROR": str(MNIST_DIR)}
    cmd = [*prefix, sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"),
           "--directory", str(tmp_path), "-n", "grids", "--replace-workflow-config",
           "--configfile", str(huge)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert _job_counts(out) == _job_counts(normal.stdout + normal.stderr)
    if prefix:
        rss_mb = int(re.search(r"maxrss_kb=(\d+)", out).group(1)) / 1000
        assert rss_mb < 500, f"a dry run of grids used {rss_mb:.0f} MB"
    sweep = smk(tmp_path, "-n", "gallery", config=huge)
    out = sweep.stdout + sweep.stderr
    assert sweep.returncode != 0, out
    assert "config key gallery.seeds = [0, 10000000]" in out and "10,000,001 landscapes" in out, out
    assert "Job stats" not in out, out


# --------------------------------------------------------------------------------------------
# Damaged result files
# --------------------------------------------------------------------------------------------


def truncate(path: Path) -> None:
    """Keep the first half of a file (a killed copy, a full disk)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_every_reader_names_a_damaged_file_and_how_to_make_it_again(tmp_path: Path) -> None:
    grid = tmp_path / paths.GRID.format(seed=1, n=20, pair="w2-5-250_w2-5-251")
    write_table(grid, {"w_a": np.arange(3.0), "theta": to_arrow_rows(np.eye(3))}, {"kind": "grid"})
    assert read_metadata(grid) == {"kind": "grid"}
    truncate(grid)
    readers = [read_metadata, read_column_names, read_columns, read_frame,
               lambda p: read_rows(p, "theta")]  # fmt: skip
    for reader in readers:
        with pytest.raises(DamagedFileError) as info:
            reader(grid)
        message = str(info.value)
        assert str(grid) in message and "the file is damaged" in message, message
        assert "delete it and rerun" in message and "`snakemake --forcerun grid`" in message
    other = tmp_path / "elsewhere.parquet"
    other.write_bytes(b"not parquet")
    with pytest.raises(DamagedFileError, match="--forcerun RULE"):
        read_columns(other)
    with pytest.raises(FileNotFoundError):  # a missing file is not a damaged one
        read_columns(tmp_path / "missing.parquet")


def test_every_result_template_maps_to_the_rule_that_makes_it() -> None:
    """io.MADE_BY against workflow/rules/*.smk: rule R's output is paths.T."""
    rules = "".join(p.read_text() for p in sorted((REPO / "workflow" / "rules").glob("*.smk")))
    blocks = dict(re.findall(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", rules, flags=re.M | re.S))
    templates = {name: getattr(paths, name) for name in dir(paths) if name.isupper()}
    names = {value: name for name, value in templates.items() if isinstance(value, str)}
    for template, rule in MADE_BY:
        output = blocks[rule].split("output:", 1)[1].split("params:", 1)[0]
        assert f"paths.{names[template]}" in output, (rule, names[template])
        example = template.format(seed=1, n=20, pair="w2-5-250_w2-5-251", optimizer="sgd",
                                  start="a-9_b15", run="sgd", plane="init-random0",
                                  line="init_sgd")  # fmt: skip
        assert rule_of(example) == rule and rule_of(f"/somewhere/{example}") == rule, example


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished `analysis` run of small.yaml without basin maps: its summary reads every grid
    and trajectory. (run directory, config)"""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"offline MNIST test split not found at {MNIST_DIR}")
    base = tmp_path_factory.mktemp("damaged")
    config = small_variant(base, analysis={"basins": {"optimizers": []}})
    workdir = base / "run"
    workdir.mkdir()
    proc = smk(workdir, "-c2", "analysis", config=config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return workdir, config


@pytest.mark.parametrize(
    ("template", "rule"),
    [(paths.GRID, "grid"), (paths.TRAJECTORY, "trajectory")],
    ids=["grid", "trajectory"],
)
def test_a_damaged_result_stops_its_reader_with_the_way_out(
    analysed: tuple[Path, Path], tmp_path: Path, template: str, rule: str
) -> None:
    """A truncated grid or trajectory: the plain rerun stops in the summary, whose log names the
    file, says it is damaged and how to make it again; both ways out work."""
    workdir = Path(shutil.copytree(analysed[0], tmp_path / "run", symlinks=True))
    config = analysed[1]
    rel = template.format(seed=1, n=20, pair="w2-5-250_w2-5-251", optimizer="sgd",
                          start="a-9_b15")  # fmt: skip
    truncate(workdir / rel)
    shutil.rmtree(workdir / "logs")
    proc = smk(workdir, "-c2", "analysis", config=config)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    log = (workdir / "logs" / "analysis_summary.log").read_text()
    assert "DamagedFileError" in log and rel in log and "the file is damaged" in log, log
    assert f"`snakemake --forcerun {rule}`" in log and "delete it and rerun" in log, log
    assert "Traceback" in log  # the job's log keeps the details
    # the way out the message names first: delete it and rerun
    second = Path(shutil.copytree(workdir, tmp_path / "second", symlinks=True))
    (second / rel).unlink()
    proc = smk(second, "-c2", "analysis", config=config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and the other: --forcerun of its rule
    proc = smk(workdir, "-c2", "analysis", "--forcerun", rule, config=config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert read_columns(workdir / rel)
