"""The workflow on a real single-node SLURM cluster, through Snakemake's SLURM executor plugin.

tests/slurm/start.sh starts munged, slurmctld and slurmd on 127.0.0.1 (or the test reuses a
cluster that already answers, e.g. one CI started); the module fixture stops only what it started.
tests/configs/small.yaml then runs twice, `--executor slurm` with the SLURM workflow profile in one
scratch folder and locally in another, and every Parquet output must be byte-identical. The test
also checks that each compute job really was a SLURM job, asked for what the rule's resource
functions say, and that MNIST was downloaded once, by the main process, not by compute jobs.

Skipped, with the reason, where SLURM, munge or the plugin (the `cluster` extra) is not installed,
without root, or without the offline MNIST test split. Nothing is installed at test time:
`.ci/run` installs Debian's slurm-wlm and munge (tests/slurm/install.sh) and the `cluster` extra.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_workflow import SHARED_MNIST, SMALL, TARGETS, grid_files, run_ok, trajectory_files

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
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").is_file():
        return f"offline MNIST test split not found at {SHARED_MNIST}"
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
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or ""),
]


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
    env["MNIST_MIRROR"] = str(SHARED_MNIST)
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
    cmd += ["--directory", str(workdir), "--workflow-profile", str(PROFILE)]
    cmd += ["--executor", "slurm", "--slurm-init-seconds-before-status-checks", "2"]
    # No accounting database here: job states come from squeue (MinJobAge is long).
    cmd += ["--slurm-status-command", "squeue", "--slurm-keep-successful-logs", *TARGETS]
    proc = bounded(cmd, RUN_LIMIT_S, env)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        run_id = re.search(r"SLURM run ID: (\S+)", out)
        if run_id:  # leave no job of this run behind
            bounded(["scancel", "--name", run_id.group(1)], 30)
    assert proc.returncode == 0, f"snakemake --executor slurm failed:\n{out}"
    return out


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


def requested(out: str, rule: str) -> set[tuple[str, str, str, str]]:
    """(threads, cpus_per_task, mem_mb, runtime) that Snakemake printed for the jobs of `rule`."""
    found = set()
    for block in re.split(r"\n(?=\[\w{3} \w{3} )", out):  # a job's block starts with its date
        if re.search(rf"^rule {rule}:$", block, re.M):
            threads = re.search(r"^\s+threads: (\d+)$", block, re.M)
            resources = re.search(r"^\s+resources: (.*)$", block, re.M).group(1)
            values = dict(re.findall(r"(\w+)=([^,\s]+)", resources))
            found.add(
                (
                    threads.group(1) if threads else "1",
                    values["cpus_per_task"],
                    values["mem_mb"],
                    values["runtime"],
                )
            )
    return found


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


def test_slurm_and_local_outputs_are_byte_identical(runs: tuple[Path, Path, str]) -> None:
    on_slurm, local, _ = runs
    expected = grid_files() | trajectory_files()
    for folder in (on_slurm, local):
        made = {str(p.relative_to(folder)) for p in (folder / "results").rglob("*.parquet")}
        assert made == expected, folder
    for rel in sorted(expected):
        assert (on_slurm / rel).read_bytes() == (local / rel).read_bytes(), rel


def test_every_compute_job_was_a_completed_slurm_job(runs: tuple[Path, Path, str]) -> None:
    on_slurm, _, out = runs
    run_id = re.search(r"SLURM run ID: (\S+)", out).group(1)
    jobs = jobs_of_run(run_id)
    # SLURM's own record (squeue keeps finished jobs for MinJobAge) and the plugin's logs agree.
    logs = slurm_logs(on_slurm)
    assert set(jobs) == set(logs), (jobs, logs)
    assert {job["state"] for job in jobs.values()} == {"COMPLETED"}, jobs
    per_rule = Counter(log.parent.parent.name for log in logs.values())
    assert per_rule == {"rule_grid": len(grid_files()), "rule_trajectory": len(trajectory_files())}
    # Each job ran its one rule in the job step's Snakemake, with the main process's config.
    config_md5 = set(re.findall(r"Config MD5: (\w+)", out))
    assert len(config_md5) == 1, out
    for log in logs.values():
        text = log.read_text()
        assert "Finished jobid" in text and "slurm-jobstep" in text, (log, text)
        assert set(re.findall(r"Config MD5: (\w+)", text)) == config_md5, (log, text)


def test_jobs_asked_slurm_for_the_rules_resources(runs: tuple[Path, Path, str]) -> None:
    on_slurm, _, out = runs
    jobs = jobs_of_run(re.search(r"SLURM run ID: (\S+)", out).group(1))
    logs = slurm_logs(on_slurm)
    for rule in ("grid", "trajectory"):
        asked = requested(out, rule)
        assert len(asked) == 1, (rule, asked)  # small.yaml: one N, one resolution, one epochs
        ((threads, cpus, mem_mb, runtime),) = asked
        assert cpus == threads, (rule, asked)  # the profile's cpus_per_task follows threads
        ids = [job_id for job_id, log in logs.items() if log.parent.parent.name == f"rule_{rule}"]
        assert ids, rule
        for job_id in ids:
            job = jobs[job_id]
            assert job["cpus"] == cpus, (rule, job)
            assert job["memory"] == f"{mem_mb}M", (rule, job)
            assert job["time_limit"] == f"{runtime}:00", (rule, job)


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
