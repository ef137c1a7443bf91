"""What a job asks a cluster scheduler for: memory (MB) and runtime (minutes), from its size.

Fitted to measured job sizes (Snakemake's benchmark files and the summed RSS of SLURM jobs) on a
2-core machine with the MNIST test split and the 784-50-500-10 network; docs/cluster.md lists
the measurements. The estimates are about twice the measurements, and every retry (`attempt`)
doubles them, so a job killed for memory or time comes back with twice as much.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .network.model import layer_sizes, n_weights
from .network.names import parse_pair
from .specs import heldout_images

#: MB of every job besides its data. Measured ~510 MB at N=100: a SLURM job runs two Snakemake
#: processes (~205 MB each: the job step's and the job's own), and the script's interpreter with
#: numpy, pandas and pyarrow (~100 MB).
JOB_BASE_MB = 1000
#: MB per sample: the first N images as float64 and their activations (measured ~0.013).
MB_PER_SAMPLE = 0.025
#: MB per grid point and per trajectory row: result table and Parquet encoding (measured ~0.00003
#: per point from resolution 1000 to 4000, ~0.0001 per epoch from 10^4 to 10^6 epochs).
MB_PER_GRID_POINT = 0.0001
MB_PER_EPOCH = 0.0002
#: MB per grid point of a critical-points or plateau job (exact derivative grids and the refined
#: table) and per start of a basin map: measured ~240 bytes per point at resolution 1000 and
#: ~290 per start at basin resolution 300.
MB_PER_ANALYSIS_POINT = 0.0005
#: Seconds of a job besides its computation: start-up (a few s here, more on a busy shared file
#: system), loading MNIST, writing Parquet. Also the shortest time limit a job asks for.
JOB_BASE_S = 300
#: Seconds (per grid point or epoch, per grid point or epoch and sample), with the grid on the
#: rule's 2 threads; measured for w0-5-406_w0-5-407 (a weight below the output layer: grids
#: 1.2-1.6e-6 per point and sample, trajectories 4-4.4e-6 per epoch and sample + 2.6e-4 per epoch)
#: and w2-5-250_w2-5-251 (both weights in the output layer: the cost is separable, grids 5e-7
#: per point, trajectories 1.1e-5 per epoch, both nearly independent of N).
JOB_SECONDS = {
    ("grid", "hidden"): (1e-6, 3e-6),
    ("grid", "output"): (1e-6, 1e-8),
    ("trajectory", "hidden"): (5e-4, 1e-5),
    ("trajectory", "output"): (2e-5, 2e-8),
}
#: The times above are for the 784-50-500-10 network's weight count; a bigger one scales them.
MEASURED_WEIGHTS = n_weights((50, 500))


def retry_scaled(base: float, attempt: int) -> int:
    """`base` rounded up, doubled for every retry after the first attempt."""
    return int(math.ceil(base)) * 2 ** (attempt - 1)


def time_factor(hidden: Sequence[int]) -> float:
    """How much slower than the measured network a job on this one is (never below 1)."""
    return max(1.0, n_weights(hidden) / MEASURED_WEIGHTS)


def job_mem_mb(n: int, units: int, mb_per_unit: float, attempt: int = 1) -> int:
    """Memory (MB) of a job over `units` grid points, epochs or starts of N samples."""
    return retry_scaled(JOB_BASE_MB + MB_PER_SAMPLE * n + mb_per_unit * units, attempt)


def job_runtime(
    kind: str, units: int, n: int, pair: str, hidden: Sequence[int], attempt: int = 1
) -> int:
    """Minutes for `units` grid points (kind "grid") or epochs ("trajectory") of N samples.

    The pair decides the cost per unit: a pair in the output layer has a separable cost, one
    below it needs a backward pass through the layers above.
    """
    lowest = min(w.layer for w in parse_pair(pair))
    layer = "output" if lowest == len(hidden) else "hidden"
    per_unit, per_sample = JOB_SECONDS[kind, layer]
    work = units * (per_unit + per_sample * n) * time_factor(hidden)
    return retry_scaled((JOB_BASE_S + work) / 60, attempt)


# ---------------------------------------------------------------------- whole network
#: Seconds per weight and sample of one full forward and backward pass (a training epoch, a
#: Hessian-vector product) or one forward pass over a plane point; about twice what a 2-core
#: machine measures for the 784-50-500-10 network (docs/cluster.md).
SECONDS_PER_WEIGHT_SAMPLE = 2e-9
#: Bytes per activation kept while a block of samples passes through the network.
BYTES_PER_ACTIVATION = 32


def whole_network_mem_mb(
    n: int, hidden: Sequence[int], vectors: int, attempt: int = 1, activations: float = 1.0
) -> int:
    """Memory (MB) of a job on all weights: N samples' activations and `vectors` weight vectors.

    `vectors` counts the full weight vectors a job holds at once (snapshots of a run, directions
    and Lanczos vectors of a Hessian eigensolver); `activations` the copies of the activations
    (1.5 with a float32 twin of a float64 cache).
    """
    units = sum(layer_sizes(list(hidden)))
    mb = JOB_BASE_MB + MB_PER_SAMPLE * n + activations * n * units * BYTES_PER_ACTIVATION / 1e6
    mb += vectors * n_weights(hidden) * 8 / 1e6
    return retry_scaled(mb, attempt)


def whole_network_runtime(passes: int, n: int, hidden: Sequence[int], attempt: int = 1) -> int:
    """Minutes for `passes` passes over N samples through all weights (epochs or points)."""
    work = passes * n * n_weights(hidden) * SECONDS_PER_WEIGHT_SAMPLE
    return retry_scaled((JOB_BASE_S + work) / 60, attempt)


# ---------------------------------------------------------------------- one job of each rule
# What each rule's job asks for, from the figures above and the job's sizes: the workflow's
# `mem_mb` and `runtime` of a rule are `mem_mb(rule, ...)` and `runtime(rule, ...)` below, so a
# new rule's cost is one entry of RULE_COSTS.
#: Full weight vectors a training run holds besides its snapshots (weights, gradient, state).
TRAIN_EXTRA_VECTORS = 8
#: Full weight vectors a directions, plane or line job holds besides a run's snapshots (the
#: Hessian eigensolver's Lanczos vectors).
WHOLE_NETWORK_EXTRA_VECTORS = 40
#: Hessian-vector products per snapshot and eigenvalue of a sharpness job, a generous bound
#: (measured on the default runs: about 1.5 exact and 7-8 float32 ones, a float32 one costing
#: about half; the first snapshot, cold, about 25 for two) and the passes one exact product
#: costs (measured about 1.5 training epochs).
SHARPNESS_PRODUCTS = 12
PASSES_PER_PRODUCT = 2
#: Forward passes per grid point of a plane's gradient grid (measured about 2.5).
PLANE_GRADIENT_PASSES = 3
#: Forward passes per grid point of a plane's critical points (measured up to 8.5 on
#: init-random0: the damped Newton searches' gradients and Hessians).
PLANE_ANALYSIS_PASSES = 12


@dataclass(frozen=True)
class JobSizes:
    """What a job's cost depends on: its wildcards (N, pair, plane) and the config's sizes."""

    n: int
    hidden: tuple[int, ...]
    pair: str = ""
    plane: str = ""
    grid_resolution: int = 0
    basin_resolution: int = 0
    trajectory_epochs: int = 0
    training_epochs: int = 0
    snapshots: int = 0
    plane_resolution: int = 0
    line_points: int = 0
    heldout_n: int = 0
    minibatch: bool = False
    eigenvalues: int = 0
    spectrum_at: int = 0
    lanczos: int = 0
    probes: int = 0

    @classmethod
    def of(cls, config: Mapping[str, Any], wildcards: Mapping[str, Any]) -> JobSizes:
        """The sizes of a job from the (validated) config and the job's wildcards."""
        spectrum = config["training"].get("spectrum")
        return cls(
            n=int(wildcards["n"]),
            hidden=tuple(int(h) for h in config["network"]["hidden"]),
            pair=str(wildcards.get("pair", "")),
            plane=str(wildcards.get("plane", "")),
            grid_resolution=int(config["landscapes"]["grid"]["resolution"]),
            basin_resolution=int(config["analysis"]["basins"]["resolution"]),
            trajectory_epochs=int(config["trajectories"]["epochs"]),
            training_epochs=int(config["training"]["epochs"]),
            snapshots=int(config["training"]["snapshots"]),
            plane_resolution=int(config["planes"]["grid"]["resolution"]),
            line_points=int(config["lines"]["points"]),
            heldout_n=int((heldout_images(config) or {}).get("n", 0)),
            minibatch=_batch_of(config, str(wildcards.get("run", ""))) is not None,
            eigenvalues=int((config["training"].get("sharpness") or {}).get("eigenvalues", 0)),
            spectrum_at=len(spectrum.get("at", ["first", "last"])) if spectrum else 0,
            lanczos=int(spectrum.get("lanczos", 80)) if spectrum else 0,
            probes=int(spectrum.get("probes", 4)) if spectrum else 0,
        )


def _batch_of(config: Mapping[str, Any], run: str) -> int | None:
    """The batch size of run `run` (None: full batch, or no such run)."""
    return ((config["training"].get("runs") or {}).get(run) or {}).get("batch")


Estimate = Callable[[JobSizes, int], int]


def _grid_points(s: JobSizes, attempt: int) -> int:
    """Memory of a grid job: N and the grid's points."""
    return job_mem_mb(s.n, s.grid_resolution**2, MB_PER_GRID_POINT, attempt)


def _grid_time(s: JobSizes, attempt: int) -> int:
    """Runtime of a grid job: grid points x N."""
    return job_runtime("grid", s.grid_resolution**2, s.n, s.pair, s.hidden, attempt)


def _trajectory_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a trajectory job: N and the epochs."""
    return job_mem_mb(s.n, s.trajectory_epochs, MB_PER_EPOCH, attempt)


def _trajectory_time(s: JobSizes, attempt: int) -> int:
    """Runtime of a trajectory job: epochs x N."""
    return job_runtime("trajectory", s.trajectory_epochs, s.n, s.pair, s.hidden, attempt)


def _analysis_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a critical-points or plateau job: N and the grid's points."""
    return job_mem_mb(s.n, s.grid_resolution**2, MB_PER_ANALYSIS_POINT, attempt)


def _basins_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a basin map: N and the number of starts."""
    return job_mem_mb(s.n, s.basin_resolution**2, MB_PER_ANALYSIS_POINT, attempt)


def _train_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a training run: its samples and its snapshots."""
    return whole_network_mem_mb(s.n, s.hidden, s.snapshots + TRAIN_EXTRA_VECTORS, attempt)


def _plane_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a directions, plane-grid, path, line or plane-analysis job."""
    vectors = s.snapshots + WHOLE_NETWORK_EXTRA_VECTORS
    return whole_network_mem_mb(s.n, s.hidden, vectors, attempt)


def _heldout_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a held-out record: the held-out images' activations and the snapshots."""
    vectors = s.snapshots + TRAIN_EXTRA_VECTORS
    return whole_network_mem_mb(s.heldout_n, s.hidden, vectors, attempt)


def _heldout_time(s: JobSizes, attempt: int) -> int:
    """Runtime of a held-out record: one forward pass of every snapshot on the images."""
    return whole_network_runtime(s.snapshots, s.heldout_n, s.hidden, attempt)


def _hessian_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a sharpness or spectrum job: the snapshots three times (the file's Arrow
    buffers, their numpy copy, the rows) and the Lanczos basis (measured 635 MB of script RSS
    for 201 snapshots and up to 30 Lanczos vectors)."""
    vectors = 3 * s.snapshots + max(s.lanczos, WHOLE_NETWORK_EXTRA_VECTORS) + TRAIN_EXTRA_VECTORS
    return whole_network_mem_mb(s.n, s.hidden, vectors, attempt)


def _sharpness_mem(s: JobSizes, attempt: int) -> int:
    """Memory of a sharpness job: as a spectrum's, with room for the longest Lanczos run it
    allows (MAX_STEPS basis vectors; about 30 are used) and the float32 twin of its cache."""
    from .network.spectrum import MAX_STEPS

    vectors = 3 * s.snapshots + MAX_STEPS + TRAIN_EXTRA_VECTORS
    return whole_network_mem_mb(s.n, s.hidden, vectors, attempt, activations=1.5)


def _passes(count: Callable[[JobSizes], int]) -> Estimate:
    """The runtime of a whole-network job of count(sizes) passes over its N samples."""
    return lambda s, attempt: whole_network_runtime(count(s), s.n, s.hidden, attempt)


def _direction_passes(s: JobSizes) -> int:
    """The passes a plane's direction kind may take."""
    from .landscape.directions import DIRECTION_KINDS, parse_plane

    return DIRECTION_KINDS[parse_plane(s.plane).kind].passes


#: Rule -> (mem_mb, runtime) of one job; None leaves Snakemake's default (figures get theirs
#: from the SLURM profile).
RULE_COSTS: dict[str, tuple[Estimate | None, Estimate | None]] = {
    "grid": (_grid_points, _grid_time),
    "trajectory": (_trajectory_mem, _trajectory_time),
    "critical_points": (_analysis_mem, None),
    "plateaus": (_analysis_mem, None),
    "basins": (_basins_mem, None),
    # a mini-batch epoch is a pass for the record plus the batches' passes
    "train": (_train_mem, _passes(lambda s: s.training_epochs * (2 if s.minibatch else 1))),
    # every snapshot through the held-out images (passes counted in N, so scaled to them)
    "heldout": (_heldout_mem, _heldout_time),
    # Lanczos at every snapshot / at the spectrum's snapshots, every probe
    "sharpness": (
        _sharpness_mem,
        _passes(lambda s: PASSES_PER_PRODUCT * SHARPNESS_PRODUCTS * s.eigenvalues * s.snapshots),
    ),
    "spectrum": (
        _hessian_mem,
        _passes(lambda s: PASSES_PER_PRODUCT * s.spectrum_at * s.probes * s.lanczos),
    ),
    "directions": (_plane_mem, _passes(_direction_passes)),
    "plane_grid": (_plane_mem, _passes(lambda s: s.plane_resolution**2)),
    "plane_path": (_plane_mem, _passes(lambda s: 2 * s.snapshots)),
    "line": (_plane_mem, _passes(lambda s: s.line_points)),
    "plane_gradient": (
        _plane_mem,
        _passes(lambda s: PLANE_GRADIENT_PASSES * s.plane_resolution**2),
    ),
    "plane_critical_points": (
        _plane_mem,
        _passes(lambda s: PLANE_ANALYSIS_PASSES * s.plane_resolution**2),
    ),
    "plane_plateaus": (_plane_mem, None),
}


def mem_mb(rule: str, sizes: JobSizes, attempt: int = 1) -> int:
    """Memory (MB) one job of `rule` asks for."""
    estimate = RULE_COSTS[rule][0]
    if estimate is None:
        raise KeyError(f"rule {rule} has no memory estimate")
    return estimate(sizes, attempt)


def runtime(rule: str, sizes: JobSizes, attempt: int = 1) -> int:
    """Minutes one job of `rule` asks for."""
    estimate = RULE_COSTS[rule][1]
    if estimate is None:
        raise KeyError(f"rule {rule} has no runtime estimate")
    return estimate(sizes, attempt)


# ---------------------------------------------------------------------- what this machine has
#: Where Linux says how much memory this process's control group may use (cgroup v2, v1).
CGROUP_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def machine_mem_mb() -> int:
    """This machine's memory (MB): physical memory, or the control group's limit when lower."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    for path in CGROUP_LIMITS:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total // 10**6


def memory_limit(given_mb: int | None) -> tuple[int, str]:
    """The most memory (MB) one job may ask for, and where that limit comes from.

    `given_mb` is the run's `--resources mem_mb=...` (the memory Snakemake lets its jobs use at
    once; a cluster profile's `resources:` sets it too): a job above it could never start. Without
    it, the limit is this machine's memory.
    """
    if given_mb is not None:
        return int(given_mb), "the run's --resources mem_mb"
    return machine_mem_mb(), "this machine's memory"


# ---------------------------------------------------------------------- planning a sweep
#: Snakemake builds every job of a run before running any. Measured planning a gallery sweep
#: (`snakemake -n gallery`: the default pairs and sample sizes, 4 landscapes a seed, 4 jobs a
#: landscape) on the 2-core test machine: 400 landscapes 3.2 s and 139 MB, 2,000 13 s and
#: 299 MB, 8,000 70 s and 1.3 GB, 20,000 274 s and 5.3 GB (0.27 MB and 14 ms a landscape, both
#: growing with the sweep).
PLAN_MB_PER_LANDSCAPE = 0.27
#: The most gallery landscapes (seeds x N x pairs) one run plans: about 2 minutes and 2.5 GB.
MAX_PLANNED_LANDSCAPES = 10_000
#: What the limit stands for, for the message.
PLANNING_NOTE = (
    "planning takes about 14 ms and 0.27 MB a landscape before any job runs, and grows faster "
    "than the sweep: 20,000 landscapes took 274 s and 5.3 GB"
)


def planning_limit(mem_mb: int | None = None) -> int:
    """The most gallery landscapes one run may plan: MAX_PLANNED_LANDSCAPES, fewer where the
    plan would take more than a quarter of the machine's memory (`mem_mb`, default this one's)."""
    mem = machine_mem_mb() if mem_mb is None else mem_mb
    return max(1, min(MAX_PLANNED_LANDSCAPES, int(mem / 4 / PLAN_MB_PER_LANDSCAPE)))
