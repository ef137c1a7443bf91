# Config loading and validation, wildcard constraints, input functions and target lists.
# Every def of the workflow lives here; stage files hold rules only.

import json
import os
import threading

import losslandscape
from losslandscape.config import (
    check_schema,
    check_semantics,
    load_schema,
    optimizers_switched_off_as_empty,
)
from losslandscape.mnist import CANONICAL_MD5, SPLIT_FILES
from losslandscape.names import PAIR_PATTERN, START_PATTERN, start_name
from losslandscape.optimizers import NAMES as OPTIMIZER_NAMES
from losslandscape.optimizers import constants as optimizer_constants
from snakemake.utils import validate

SCHEMA = "../schemas/config.schema.yaml"

# Friendly messages first (key, value, rule), then Snakemake's validate fills the defaults,
# then the checks a schema cannot express. All of it before any job runs.
check_schema(config, load_schema(workflow.source_path(SCHEMA)))

# (validate cannot fill defaults below a null: an optimizer switched off in an override file)
with optimizers_switched_off_as_empty(config):
    validate(config, SCHEMA, set_default=True)
check_semantics(config)

#: Bumped with the numerical package; in params so that a new engine reruns what it made.
CODE_VERSION = losslandscape.__version__
HIDDEN = [int(h) for h in config["network"]["hidden"]]
SPLIT = config["mnist"]["split"]
LANDSCAPES = config["landscapes"]
TRAJECTORIES = config["trajectories"]


wildcard_constraints:
    seed=r"\d+",
    n=r"\d+",
    pair=PAIR_PATTERN,
    optimizer="|".join(OPTIMIZER_NAMES),
    start=START_PATTERN,


def mnist_path(kind):
    """Path of the configured split's images or labels file (kind: 0 images, 1 labels)."""
    return f"resources/mnist/{SPLIT_FILES[SPLIT][kind]}"


MNIST_INPUT = {"images": mnist_path(0), "labels": mnist_path(1)}
#: Canonical checksums of the files every result derives from (recorded in figure metadata).
MNIST_MD5 = {name: CANONICAL_MD5[name] for name in SPLIT_FILES[SPLIT]}

#: What every grid job depends on besides its wildcards (plain values: see SNAKEMAKE.md).
GRID_PARAMS = {
    "hidden": HIDDEN,
    "split": SPLIT,
    "a": [float(x) for x in LANDSCAPES["grid"]["a"]],
    "b": [float(x) for x in LANDSCAPES["grid"]["b"]],
    "resolution": int(LANDSCAPES["grid"]["resolution"]),
    "code_version": CODE_VERSION,
}

#: Optimizers to run, in config order (null switches one off).
OPTIMIZERS = [name for name, c in TRAJECTORIES["optimizers"].items() if c is not None]
START_VALUES = {
    start_name(a, b): [float(a), float(b)] for a, b in TRAJECTORIES["starts"]
}


def optimizer_params(wildcards):
    """The full constants of the job's optimizer (defaults filled), with sorted keys."""
    given = TRAJECTORIES["optimizers"].get(wildcards.optimizer) or {}
    full = optimizer_constants(wildcards.optimizer, given)
    return {key: full[key] for key in sorted(full)}


def start_params(wildcards):
    """The start point [w_a, w_b] of the job: the configured values behind the file name."""
    from losslandscape.names import parse_start

    if wildcards.start in START_VALUES:
        return START_VALUES[wildcards.start]
    return list(parse_start(wildcards.start))


#: The trajectory jobs' command (an input, so that editing it reruns them as script: would).
TRAJECTORY_SCRIPT = os.path.join(workflow.basedir, "scripts", "trajectory.py")


def trajectory_job(wildcards):
    """Everything a trajectory job depends on besides its input files, as one JSON argument.

    Trajectory jobs run their script as a plain command, not through the script directive: a
    Python start without Snakemake's preamble, which dominates jobs this short (README).
    """
    spec = {
        "seed": int(wildcards.seed),
        "n": int(wildcards.n),
        "pair": wildcards.pair,
        "optimizer": wildcards.optimizer,
        "constants": optimizer_params(wildcards),
        "start": start_params(wildcards),
        "epochs": int(TRAJECTORIES["epochs"]),
        "hidden": HIDDEN,
        "split": SPLIT,
        "code_version": CODE_VERSION,
    }
    return json.dumps(spec, sort_keys=True)


def all_grids():
    """Every grid of the landscapes cross product."""
    return expand(
        "results/grids/{seed}/{n}/{pair}.parquet",
        seed=LANDSCAPES["seeds"],
        n=LANDSCAPES["n"],
        pair=LANDSCAPES["pairs"],
    )


def all_trajectories():
    """Every trajectory of the trajectories cross product."""
    return expand(
        "results/trajectories/{seed}/{n}/{pair}/{optimizer}/{start}.parquet",
        seed=TRAJECTORIES["seeds"],
        n=TRAJECTORIES["n"],
        pair=TRAJECTORIES["pairs"],
        optimizer=OPTIMIZERS,
        start=list(START_VALUES),
    )


# ---- figures ----

from losslandscape.render.options import resolve_options

#: Render options: DEFAULT_RENDER (the seeds' look) overridden by the config's `render` section.
RENDER = resolve_options(config.get("render") or {})
TRAJ_STARTS = list(START_VALUES)


def render_params(*sections):
    """Only the render sections a figure uses, fully resolved (so params hold what it needs)."""
    return {name: RENDER[name] for name in (*sections, "styles") if name in RENDER}


def figure_params(figure, *sections):
    """Everything a figure job depends on besides its inputs: its render options and versions."""
    return {
        "render": render_params(*sections),
        "code_version": CODE_VERSION,
        "figure": figure,
        "mnist_md5": MNIST_MD5,
    }


def grid_of(wildcards):
    """The grid a trajectory figure is drawn on: same (seed, n, pair)."""
    return f"results/grids/{wildcards.seed}/{wildcards.n}/{wildcards.pair}.parquet"


def trajectories_of_optimizer(wildcards):
    """Every configured start of one optimizer (the article's several-starts figures)."""
    return expand(
        "results/trajectories/{seed}/{n}/{pair}/{optimizer}/{start}.parquet",
        seed=wildcards.seed,
        n=wildcards.n,
        pair=wildcards.pair,
        optimizer=wildcards.optimizer,
        start=TRAJ_STARTS,
    )


def trajectories_of_start(wildcards):
    """Every configured optimizer from one start (the German notebook's comparison)."""
    return expand(
        "results/trajectories/{seed}/{n}/{pair}/{optimizer}/{start}.parquet",
        seed=wildcards.seed,
        n=wildcards.n,
        pair=wildcards.pair,
        optimizer=OPTIMIZERS,
        start=wildcards.start,
    )


def surfaces_grids(wildcards):
    """One grid per configured N for the side-by-side surfaces (article Fig. 3)."""
    return expand(
        "results/grids/{seed}/{n}/{pair}.parquet",
        seed=wildcards.seed,
        n=LANDSCAPES["n"],
        pair=wildcards.pair,
    )


def all_figures():
    """Every figure of the config: per landscape, per optimizer and per start."""
    fig = "results/figures"
    out = expand(
        f"{fig}/{{seed}}/{{pair}}/surfaces.png",
        seed=LANDSCAPES["seeds"],
        pair=LANDSCAPES["pairs"],
    )
    out += expand(
        f"{fig}/{{seed}}/{{n}}/{{pair}}/rotation.{{ext}}",
        seed=LANDSCAPES["seeds"],
        n=LANDSCAPES["n"],
        pair=LANDSCAPES["pairs"],
        ext=["gif", "png"],
    )
    sets = dict(
        seed=TRAJECTORIES["seeds"], n=TRAJECTORIES["n"], pair=TRAJECTORIES["pairs"]
    )
    out += expand(
        f"{fig}/{{seed}}/{{n}}/{{pair}}/contour_{{optimizer}}.png",
        optimizer=OPTIMIZERS,
        **sets,
    )
    out += expand(
        f"{fig}/{{seed}}/{{n}}/{{pair}}/{{kind}}_{{optimizer}}.{{ext}}",
        kind=["descent3d", "descent2d"],
        optimizer=OPTIMIZERS,
        ext=["gif", "png"],
        **sets,
    )
    out += expand(
        f"{fig}/{{seed}}/{{n}}/{{pair}}/{{kind}}_{{start}}.{{ext}}",
        kind=["compare3d", "compare2d"],
        start=TRAJ_STARTS,
        ext=["gif", "png"],
        **sets,
    )
    out += expand(
        f"{fig}/{{seed}}/{{n}}/{{pair}}/interactive_{{start}}.html",
        start=TRAJ_STARTS,
        **sets,
    )
    return out


# ---- gallery and the paper's figures ----

GALLERY = config["gallery"]
GALLERY_SEEDS = list(range(GALLERY["seeds"][0], GALLERY["seeds"][1] + 1))


def gallery_grids(wildcards):
    """One grid per gallery seed for a contact sheet."""
    return expand(
        "results/grids/{seed}/{n}/{pair}.parquet",
        seed=GALLERY_SEEDS,
        n=wildcards.n,
        pair=wildcards.pair,
    )


def all_gallery():
    """Contact sheets and rotating GIFs of every gallery (pair, n) and seed."""
    out = expand(
        "results/figures/gallery/{n}/{pair}.png", n=GALLERY["n"], pair=GALLERY["pairs"]
    )
    out += expand(
        "results/figures/{seed}/{n}/{pair}/rotation.gif",
        seed=GALLERY_SEEDS,
        n=GALLERY["n"],
        pair=GALLERY["pairs"],
    )
    return out


def paper_figures():
    """Exactly the figures of the two source documents, from the default config's values."""
    fig = "results/figures"
    seed, pair, start = 135, "w2-5-250_w2-5-251", "a-9_b15"
    return [
        f"{fig}/{seed}/{pair}/surfaces.png",  # article Fig. 3 (N = 100 and 10,000)
        f"{fig}/{seed}/100/{pair}/descent3d_sgd.gif",  # article Fig. 5
        f"{fig}/{seed}/100/{pair}/descent2d_sgd.gif",  # article Fig. 6
        f"{fig}/{seed}/500/w1-200-30_w1-200-31/rotation.gif",  # article Fig. 7
        f"{fig}/{seed}/1000/w1-5-5_w1-5-6/rotation.gif",  # article Fig. 8
        f"{fig}/{seed}/100/{pair}/interactive_{start}.html",  # notebook, plotly views
        f"{fig}/{seed}/100/{pair}/compare3d_{start}.gif",  # notebook comparison, 3D
        f"{fig}/{seed}/100/{pair}/compare2d_{start}.gif",  # notebook comparison, 2D
    ]


# ---- resources (cluster sizing) ----
# What a grid or trajectory job asks a scheduler for (SLURM: --mem and --time, see
# workflow/profiles/slurm). Fitted to measured job sizes (the benchmarks Snakemake writes,
# benchmarks/{rule}/...tsv, and the summed RSS of SLURM jobs) on a 2-core machine with the MNIST
# test split and the 784-50-500-10 network; README "Running on a cluster" lists them. The
# estimates are about twice the measurements, and every retry (`attempt`, see `retries` in the
# profile) doubles them, so a job killed for memory or time comes back with twice as much.
import math

from losslandscape.names import layer_sizes, parse_pair

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
#: The times above are for this network; a bigger one scales them by its weight count.
MEASURED_WEIGHTS = 784 * 50 + 50 * 500 + 500 * 10
NETWORK_SIZES = layer_sizes(HIDDEN)
JOB_TIME_FACTOR = max(
    1.0, sum(a * b for a, b in zip(NETWORK_SIZES, NETWORK_SIZES[1:])) / MEASURED_WEIGHTS
)


def _retry_scaled(base, attempt):
    """`base` rounded up, doubled for every retry after the first attempt."""
    return int(math.ceil(base)) * 2 ** (attempt - 1)


def _runtime(rule, units, wildcards, attempt):
    """Minutes for `units` grid points or epochs of N samples on the job's pair."""
    lowest = min(w.layer for w in parse_pair(wildcards.pair))
    layer = "output" if lowest == len(HIDDEN) else "hidden"
    per_unit, per_sample = JOB_SECONDS[rule, layer]
    work = units * (per_unit + per_sample * int(wildcards.n)) * JOB_TIME_FACTOR
    return _retry_scaled((JOB_BASE_S + work) / 60, attempt)


def _job_mem_mb(units, mb_per_unit, wildcards, attempt):
    """Memory (MB) of a job over `units` grid points, epochs or starts of N samples."""
    mb = JOB_BASE_MB + MB_PER_SAMPLE * int(wildcards.n) + mb_per_unit * units
    return _retry_scaled(mb, attempt)


def grid_mem_mb(wildcards, attempt):
    """Memory (MB) of a grid job: grows with N and the number of grid points."""
    points = GRID_PARAMS["resolution"] ** 2
    return _job_mem_mb(points, MB_PER_GRID_POINT, wildcards, attempt)


def grid_runtime(wildcards, attempt):
    """Runtime (minutes) of a grid job: grows with grid points x N."""
    return _runtime("grid", GRID_PARAMS["resolution"] ** 2, wildcards, attempt)


def trajectory_mem_mb(wildcards, attempt):
    """Memory (MB) of a trajectory job: grows with N and the number of epochs."""
    epochs = int(TRAJECTORIES["epochs"])
    return _job_mem_mb(epochs, MB_PER_EPOCH, wildcards, attempt)


def trajectory_runtime(wildcards, attempt):
    """Runtime (minutes) of a trajectory job: grows with epochs x N."""
    return _runtime("trajectory", int(TRAJECTORIES["epochs"]), wildcards, attempt)


# ---- analysis ----
# Critical points, plateaus, basin maps and their summary (issue 7; workflow/rules/analysis.smk).

ANALYSIS = config["analysis"]
BASINS = ANALYSIS["basins"]
#: Optimizers of the basin maps, in config order (config.py checks each is configured).
BASIN_OPTIMIZERS = [str(name) for name in BASINS["optimizers"]]
#: A plateau map depends on the grid's parameters and the threshold (critical points do not).
PLATEAU_PARAMS = {**GRID_PARAMS, "threshold": float(ANALYSIS["plateau_threshold"])}
#: What a basin map depends on besides its wildcards, the optimizer's constants and its input.
BASIN_PARAMS = {
    "hidden": HIDDEN,
    "split": SPLIT,
    "a": GRID_PARAMS["a"],
    "b": GRID_PARAMS["b"],
    "resolution": int(BASINS["resolution"]),
    "epochs": int(BASINS["epochs"]),
    "code_version": CODE_VERSION,
}


#: MB per grid point of a critical-points or plateau job (exact derivative grids and the refined
#: table) and per start of a basin map: measured ~240 bytes per point at resolution 1000 and
#: ~290 per start at basin resolution 300, on top of the job's base and its samples.
MB_PER_ANALYSIS_POINT = 0.0005


def landscape_analysis_mem_mb(wildcards, attempt):
    """Memory (MB) of a critical-points or plateau job: grows with N and the grid's points."""
    points = GRID_PARAMS["resolution"] ** 2
    return _job_mem_mb(points, MB_PER_ANALYSIS_POINT, wildcards, attempt)


def basins_mem_mb(wildcards, attempt):
    """Memory (MB) of a basin-map job: grows with N and the number of starts."""
    starts = BASIN_PARAMS["resolution"] ** 2
    return _job_mem_mb(starts, MB_PER_ANALYSIS_POINT, wildcards, attempt)


def _combos(section):
    """(seed, n, pair) of a config section's cross product."""
    return {
        (int(seed), int(n), str(pair))
        for seed in section["seeds"]
        for n in section["n"]
        for pair in section["pairs"]
    }


#: Every landscape the default run computes a grid of, sorted: both cross products.
ANALYSIS_COMBOS = sorted(_combos(LANDSCAPES) | _combos(TRAJECTORIES))
ANALYSIS_DIR = "results/analysis/{seed}/{n}/{pair}"


def _per_combo(pattern, combos=ANALYSIS_COMBOS, **more):
    """`pattern` (with {seed}, {n}, {pair}) for every combo, in combo order."""
    return [
        path
        for seed, n, pair in combos
        for path in expand(pattern, seed=seed, n=n, pair=pair, **more)
    ]


def critical_of(wildcards):
    """The critical points of a figure's landscape: same (seed, n, pair)."""
    return f"results/analysis/{wildcards.seed}/{wildcards.n}/{wildcards.pair}/critical_points.parquet"


def all_critical_points():
    """Critical points of every grid."""
    return _per_combo(f"{ANALYSIS_DIR}/critical_points.parquet")


def all_plateaus():
    """Plateau maps of every grid."""
    return _per_combo(f"{ANALYSIS_DIR}/plateaus.parquet")


def all_basins():
    """Basin maps of every (seed, n, pair) of the trajectories cross product."""
    return _per_combo(
        f"{ANALYSIS_DIR}/basins_{{optimizer}}.parquet",
        sorted(_combos(TRAJECTORIES)),
        optimizer=BASIN_OPTIMIZERS,
    )


def all_basin_figures():
    """One basin-map PNG per basin map."""
    return _per_combo(
        "results/figures/{seed}/{n}/{pair}/basins_{optimizer}.png",
        sorted(_combos(TRAJECTORIES)),
        optimizer=BASIN_OPTIMIZERS,
    )


def summary_grids():
    """The grid of every analysed landscape (the summary's cost range)."""
    return _per_combo("results/grids/{seed}/{n}/{pair}.parquet")


def all_analysis():
    """Everything of the analysis target: per-landscape files, the summary, basin figures."""
    return [
        *all_critical_points(),
        *all_plateaus(),
        *all_basins(),
        "results/analysis/summary.parquet",
        "results/analysis/summary.csv",
        *all_basin_figures(),
    ]


def release_scheduler_timers():
    """Cancel the job scheduler's pending wake-up timers once the run is over.

    Snakemake 9.27's job rate limiter (default 100 jobs/1 s) starts a non-daemon 1 s
    threading.Timer on every scheduling round. Python waits for them at exit, which adds up to
    a second to every run after its last job. They only wake the finished scheduler, so
    cancelling them is safe; on a Snakemake without such timers this finds nothing.
    """
    for thread in threading.enumerate():
        function = getattr(thread, "function", None)
        if isinstance(thread, threading.Timer) and getattr(
            function, "__module__", ""
        ).startswith("snakemake.scheduling"):
            thread.cancel()
