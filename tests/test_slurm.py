"""The workflow on a real single-node SLURM cluster, through Snakemake's SLURM executor plugin.

tests/slurm/start.sh starts munged, slurmctld and slurmd on 127.0.0.1 (or the test reuses a
cluster that already answers, e.g. one CI started); the module fixture stops only what it started.
tests/configs/small.yaml then runs twice, `--executor slurm` with the SLURM workflow profile in one
scratch folder and locally in another, and every Parquet output must be byte-identical. The tests
also check that each compute job really was a SLURM job, asked for what the rule's resource
functions say, and that MNIST was downloaded once, by the main process, not by compute jobs.
They are skipped, with the reason, where SLURM, munge or the plugin (the `cluster` extra) is not
installed, without root, or without the offline MNIST test split. Nothing is installed at test
time: `.ci/run` installs Debian's slurm-wlm and munge (tests/slurm/install.sh) and the extra.

The sizing tests at the end need no cluster: dry runs show how the resource functions of
losslandscape.resources (through workflow/rules/common.smk) scale a job's memory and runtime.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import MNIST_DIR
from test_workflow import (
    SMALL,
    TARGETS,
    grid_files,
    run_ok,
    small,
    trajectory_files,
)

REPO = Path(__file__).resolve().parents[1]
SLURM_SCRIPTS = REPO / "tests" / "slurm"
PROFILE = REPO / "workflow" / "profiles" / "slurm"
STATE = Path(os.environ.get("LOSSLANDSCAPE_SLURM_STATE", "/tmp/losslandscape-slurm"))
#: Wall-clock limit of the SLURM run (it takes about a minute here).
RUN_LIMIT_S = 240
#: start.sh's exit statuses: started, reused a running cluster, something needed is missing.
STARTED, REUSED, MISSING = 0, 10, 3


def skip_reason() -> str | None:
    """Why this machine cannot run the test (None when it can)."""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        return f"offline MNIST test split not found at {MNIST_DIR}"
    missing = [
        cmd
        for cmd in ("sbatch", "squeue", "scontrol", "slurmctld", "slurmd", "munged")
        if shutil.which(cmd) is None
    ]
    if missing:
        return (
            f"SLURM or munge is not installed ({', '.join(missing)} not found); "
            "`bash tests/slurm/install.sh` installs Debian's slurm-wlm and munge as root"
        )
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[cluster]')"
    if os.geteuid() != 0:
        return "not root: the test cluster writes /etc/slurm/slurm.conf and runs slurmd as root"
    return None


SKIP_REASON = skip_reason()
pytestmark = pytest.mark.slow
needs_slurm = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def bounded(cmd: list[str], limit: int, env: dict[str, str] | None = None):
    """Run `cmd` under `timeout -k` (a hung Snakemake does not always end on SIGTERM alone)."""
    full = ["timeout", "-k", "10", str(limit), *cmd]
    return subprocess.run(full, capture_output=True, text=True, env=env, timeout=limit + 30)


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A SLURM cluster on 127.0.0.1: started here (and stopped after the module) or reused."""
    proc = bounded(["bash", str(SLURM_SCRIPTS / "start.sh"), str(STATE)], 150)
    out = proc.stdout + proc.stderr
    if proc.returncode == MISSING:
        pytest.skip(f"cannot start a SLURM cluster here: {out.strip()}")
    assert proc.returncode in (STARTED, REUSED), f"tests/slurm/start.sh failed:\n{out}"
    try:
        yield
    finally:
        if proc.returncode == STARTED:
            stop = bounded(["bash", str(SLURM_SCRIPTS / "stop.sh"), str(STATE)], 90)
            assert stop.returncode == 0, stop.stdout + stop.stderr


def slurm_run(workdir: Path) -> str:
    """Run the TARGETS of small.yaml through `--executor slurm`; return stdout + stderr.

    small.yaml is the run folder's config.yaml (which the Snakefile prefers to the repository's),
    as the README advises for clusters: Snakemake 9.27 does not pass --replace-workflow-config
    on to the jobs it submits, which would then merge the repository's config.yaml with it.
    """
    shutil.copy(SMALL, workdir / "config.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env["MNIST_MIRROR"] = str(MNIST_DIR)
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
    cmd += ["--directory", str(workdir), "--workflow-profile", str(PROFILE)]
    cmd += ["--executor", "slurm", "--slurm-init-seconds-before-status-checks", "2"]
    # No accounting database here: job states come from squeue (MinJobAge is long).
    cmd += ["--slurm-status-command", "squeue", "--slurm-keep-successful-logs", *TARGETS]
    proc = bounded(cmd, RUN_LIMIT_S, env)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0 and "SLURM run ID: " in out:  # leave no job of this run behind
        bounded(["scancel", "--name", slurm_run_id(out)], 30)
    assert proc.returncode == 0, f"snakemake --executor slurm failed:\n{out}"
    return out


def slurm_run_id(out: str) -> str:
    """The plugin's ID of a run, the SLURM job name of all its jobs."""
    return re.search(r"SLURM run ID: (\S+)", out).group(1)


def jobs_of_run(run_id: str) -> dict[str, dict[str, str]]:
    """SLURM's record of this run's jobs: job id -> state, CPUs, memory, time limit."""
    fields = ("state", "cpus", "memory", "time_limit")
    proc = bounded(
        ["squeue", "--states=all", "--noheader", "--name", run_id, "-o", "%i|%T|%C|%m|%l"], 30
    )
    assert proc.returncode == 0, proc.stderr
    jobs = {}
    for line in proc.stdout.split():
        job_id, *values = line.split("|")
        jobs[job_id] = dict(zip(fields, values, strict=True))
    return jobs


def job_blocks(out: str) -> list[dict[str, Any]]:
    """The jobs Snakemake printed (run or dry run): rule, wildcards, threads and resources."""
    jobs = []
    # each job's block starts with a date (indented for the members of a group job)
    for block in re.split(r"\n(?=\s*\[\w{3} \w{3} )", out):
        rule = re.search(r"^\s*(?:local)?rule (\w+):$", block, re.M)
        resources = re.search(r"^\s+resources: (.*)$", block, re.M)
        if not rule or not resources:
            continue
        wildcards = re.search(r"^\s+wildcards: (.*)$", block, re.M)
        threads = re.search(r"^\s+threads: (\d+)$", block, re.M)
        jobs.append(
            {
                "rule": rule.group(1),
                "wildcards": dict(re.findall(r"(\w+)=([^,\s]+)", wildcards.group(1)))
                if wildcards
                else {},
                "threads": int(threads.group(1)) if threads else 1,
                "resources": dict(re.findall(r"(\w+)=([^,\s]+)", resources.group(1))),
            }
        )
    return jobs


@pytest.fixture(scope="module")
def runs(cluster: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """small.yaml run through SLURM and locally: (SLURM run folder, local run folder, output)."""
    on_slurm = tmp_path_factory.mktemp("slurm") / "run"
    local = tmp_path_factory.mktemp("local") / "run"
    on_slurm.mkdir()
    local.mkdir()
    out = slurm_run(on_slurm)
    run_ok(local, "-c2")
    return on_slurm, local, out


def slurm_logs(run: Path) -> dict[str, Path]:
    """The plugin's per-job logs, .snakemake/slurm_logs/rule_{rule}/{wildcards}/{job id}.log."""
    return {log.stem: log for log in (run / ".snakemake" / "slurm_logs").rglob("*.log")}


@needs_slurm
def test_slurm_and_local_outputs_are_byte_identical(runs: tuple[Path, Path, str]) -> None:
    on_slurm, local, _ = runs
    expected = grid_files() | trajectory_files()
    for folder in (on_slurm, local):
        made = {str(p.relative_to(folder)) for p in (folder / "results").rglob("*.parquet")}
        assert made == expected, folder
    for rel in sorted(expected):
        assert (on_slurm / rel).read_bytes() == (local / rel).read_bytes(), rel


def profile() -> dict[str, Any]:
    """The SLURM workflow profile as shipped."""
    return yaml.safe_load((PROFILE / "config.yaml").read_text())


def bundle_size() -> int:
    """How many landscape pieces the profile puts into one SLURM job."""
    (entry,) = [e for e in profile()["group-components"] if e.startswith("landscape=")]
    return int(entry.split("=")[1])


@needs_slurm
def test_every_compute_job_ran_in_a_completed_bundled_slurm_job(
    runs: tuple[Path, Path, str],
) -> None:
    on_slurm, _, out = runs
    jobs = jobs_of_run(slurm_run_id(out))
    # SLURM's own record (squeue keeps finished jobs for MinJobAge) and the plugin's logs agree.
    logs = slurm_logs(on_slurm)
    assert set(jobs) == set(logs), (jobs, logs)
    assert {job["state"] for job in jobs.values()} == {"COMPLETED"}, jobs
    # Grids and trajectories are unconnected pieces of group `landscape`: bundled, not one
    # SLURM job each.
    pieces = len(grid_files()) + len(trajectory_files())
    assert len(jobs) == -(-pieces // bundle_size()) < pieces, (len(jobs), pieces)
    assert {log.parent.name for log in logs.values()} == {"group_landscape_grid_trajectory"}
    # Each bundle ran its jobs in the job step's Snakemake, with the main process's config; every
    # output was made in one of them.
    config_md5 = set(re.findall(r"Config MD5: (\w+)", out))
    assert len(config_md5) == 1, out
    texts = [log.read_text() for log in logs.values()]
    for log, text in zip(logs.values(), texts, strict=True):
        assert "slurm-jobstep" in text, (log, text)
        assert set(re.findall(r"Config MD5: (\w+)", text)) == config_md5, (log, text)
    made = {m for text in texts for m in re.findall(r"^\s+output: (\S+)$", text, re.M)}
    assert made == grid_files() | trajectory_files(), made


@needs_slurm
def test_bundles_asked_slurm_for_their_jobs_resources(runs: tuple[Path, Path, str]) -> None:
    """A bundle asks for at most the profile's cores, the memory of what runs side by side (at
    least its biggest job's) and the runtimes of what runs in series (at least its longest)."""
    _, _, out = runs
    jobs = jobs_of_run(slurm_run_id(out))
    members = [job for job in job_blocks(out) if job["rule"] in ("grid", "trajectory")]
    assert len(members) == len(grid_files()) + len(trajectory_files())
    mem = [int(job["resources"]["mem_mb"]) for job in members]
    runtime = [int(job["resources"]["runtime"]) for job in members]
    cores = int(profile()["cores"])
    (job,) = jobs.values()  # small.yaml: one bundle
    assert int(job["cpus"]) == cores == max(j["threads"] for j in members), job
    asked_mb = int(job["memory"].removesuffix("M"))
    assert max(mem) <= asked_mb <= sum(mem), (job, mem)
    limit = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)", job["time_limit"])
    assert limit, job
    days, hours, minutes, _ = (int(x) for x in limit.groups(default="0"))
    asked_min = (24 * days + hours) * 60 + minutes
    assert max(runtime) <= asked_min <= sum(runtime), (job, runtime)


@needs_slurm
def test_mnist_is_downloaded_once_by_the_main_process(runs: tuple[Path, Path, str]) -> None:
    on_slurm, _, out = runs
    # The main process ran the download rule (a localrule), once per file...
    assert (
        sorted(re.findall(r"^localrule mnist_download:$", out, re.M))
        == ["localrule mnist_download:"] * 2
    ), out
    assert not re.search(r"^rule mnist_download:$", out, re.M), out
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert (on_slurm / "resources" / "mnist" / name).is_file(), name
    # ...and no SLURM job ran it: compute jobs only read the verified files.
    for log in slurm_logs(on_slurm).values():
        assert "mnist_download" not in log.read_text(), log


# --------------------------------------------------------------------------------------------
# Sizing: how the rules' resource functions scale (dry runs, no cluster needed)
# --------------------------------------------------------------------------------------------


def planned_resources(
    tmp_path: Path,
    edit: Callable[[dict[str, Any]], None] | None = None,
    attempt: int = 1,
    targets: tuple[str, ...] = TARGETS,
    rules: tuple[str, ...] = ("grid", "trajectory"),
) -> dict[tuple[str, tuple[tuple[str, str], ...]], tuple[int, int]]:
    """(rule, wildcards) -> (mem_mb, runtime) of the `rules` jobs of a dry run of `targets`.

    The config is small.yaml (with `edit` applied) as the run folder's config.yaml; `attempt` is
    the retry Snakemake would be at (1 = first try). A resource the rule leaves to the profile
    (not used in this dry run) reads as 0.
    """
    cfg = small()
    if edit is not None:
        edit(cfg)
    workdir = tmp_path / f"dry-{len(list(tmp_path.iterdir()))}"
    workdir.mkdir()
    (workdir / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
    cmd += ["--directory", str(workdir), "-n", "--attempt", str(attempt), *targets]
    proc = bounded(cmd, 120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return {
        (job["rule"], tuple(sorted(job["wildcards"].items()))): (
            int(job["resources"]["mem_mb"]),
            int(job["resources"].get("runtime", 0)),
        )
        for job in job_blocks(out)
        if job["rule"] in rules
    }


def test_every_retry_doubles_memory_and_runtime(tmp_path: Path) -> None:
    first = planned_resources(tmp_path)
    assert len(first) == len(grid_files()) + len(trajectory_files())
    for attempt in (2, 3):
        later = planned_resources(tmp_path, attempt=attempt)
        factor = 2 ** (attempt - 1)
        assert later == {job: (m * factor, r * factor) for job, (m, r) in first.items()}


def test_grid_memory_and_runtime_grow_with_n_and_resolution(tmp_path: Path) -> None:
    sizes = {}  # (resolution, n, pair) -> (mem_mb, runtime)
    for resolution in (5, 1000):

        def edit(cfg: dict[str, Any], resolution: int = resolution) -> None:
            cfg["landscapes"]["n"] = [20, 10000]
            cfg["landscapes"]["grid"]["resolution"] = resolution

        for (rule, wildcards), size in planned_resources(tmp_path, edit).items():
            if rule == "grid":
                w = dict(wildcards)
                sizes[resolution, int(w["n"]), w["pair"]] = size
    hidden, output = "w1-3-4_w1-3-5", "w2-5-250_w2-5-251"
    for pair in (hidden, output):
        for resolution in (5, 1000):  # memory grows with N...
            assert sizes[resolution, 10000, pair][0] > sizes[resolution, 20, pair][0]
        for n in (20, 10000):  # ...and with the number of grid points
            assert sizes[1000, n, pair][0] > sizes[5, n, pair][0]
    # Time: a pair below the output layer costs grid points x N; an output pair is separable.
    minutes = {key: size[1] for key, size in sizes.items()}
    others = (minutes[1000, 20, hidden], minutes[5, 10000, hidden], minutes[1000, 10000, output])
    assert minutes[1000, 10000, hidden] > max(others), minutes


def test_trajectory_runtime_grows_with_epochs(tmp_path: Path) -> None:
    def epochs(count: int) -> Callable[[dict[str, Any]], None]:
        def edit(cfg: dict[str, Any]) -> None:
            cfg["trajectories"]["n"] = [10000]
            cfg["trajectories"]["pairs"] = ["w0-5-406_w0-5-407"]
            cfg["trajectories"]["epochs"] = count

        return edit

    short, long = (
        planned_resources(tmp_path, epochs(30)),
        planned_resources(tmp_path, epochs(10**5)),
    )
    for job, (mem_mb, runtime) in short.items():
        if job[0] == "trajectory":
            assert long[job][1] > runtime, job
            assert long[job][0] >= mem_mb, job


def test_analysis_memory_grows_with_n_points_and_retries(tmp_path: Path) -> None:
    landscape_rules = ("critical_points", "plateaus")
    rules = (*landscape_rules, "basins")

    def sized(n: int, resolution: int, basin_resolution: int, attempt: int = 1) -> dict[str, int]:
        def edit(cfg: dict[str, Any]) -> None:
            cfg["landscapes"]["n"] = cfg["trajectories"]["n"] = [n]
            cfg["landscapes"]["pairs"] = cfg["trajectories"]["pairs"] = ["w2-5-250_w2-5-251"]
            cfg["landscapes"]["grid"]["resolution"] = resolution
            cfg["analysis"] = {"basins": {"optimizers": ["sgd"], "resolution": basin_resolution}}

        jobs = planned_resources(tmp_path, edit, attempt, ("analysis",), rules)
        assert {rule for rule, _ in jobs} == set(rules), jobs
        return {rule: mem for (rule, _), (mem, _) in jobs.items()}

    base = sized(20, 5, 5)
    more_samples = sized(10000, 5, 5)
    assert all(more_samples[rule] > base[rule] for rule in rules), (base, more_samples)
    # 4 million grid points or starts (~240-290 bytes each measured) grow only their own jobs.
    grid, starts = sized(20, 2000, 5), sized(20, 5, 2000)
    assert all(grid[rule] > base[rule] + 4e6 * 290 / 1e6 for rule in landscape_rules), grid
    assert grid["basins"] == base["basins"], grid
    assert starts["basins"] > base["basins"] + 4e6 * 290 / 1e6, starts
    assert all(starts[rule] == base[rule] for rule in landscape_rules), starts
    assert sized(20, 5, 5, attempt=2) == {rule: 2 * mem for rule, mem in base.items()}


def test_profile_sizes_every_submitted_rule_and_names_only_existing_ones() -> None:
    """Snakemake silently ignores set-resources of a rule that does not exist (e.g. renamed)."""
    sources = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]
    text = "\n".join(path.read_text() for path in sources)
    bodies = dict(re.findall(r"^rule (\w+):\n((?:[ \t]+.*\n|[ \t]*\n)*)", text, re.M))
    proc = bounded([sys.executable, "-m", "snakemake", "--list-rules"], 120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(bodies) == set(proc.stdout.split()), "rules not found in the workflow's sources"
    sized = yaml.safe_load((PROFILE / "config.yaml").read_text())["set-resources"]
    assert set(sized) <= set(bodies), f"profile names unknown rules: {set(sized) - set(bodies)}"
    for rule, body in bodies.items():
        runs_code = re.search(r"^\s+(?:script|shell|run|notebook|wrapper):", body, re.M)
        if not runs_code or re.search(r"^\s+localrule: True", body, re.M):
            continue  # a target rule or a job of the main process: nothing is submitted
        for key in ("mem_mb", "runtime"):
            assert key in sized.get(rule, {}) or re.search(rf"^\s+{key}=", body, re.M), (
                f"rule {rule} has no {key}: give it one in the rule or in {PROFILE}/config.yaml"
            )
