# Wiring: the validated config, wildcard constraints, path templates, what each job's params
# hold, input functions and resources. Target lists are in targets.smk; stage files hold rules.
import importlib.metadata
import os

import losslandscape
from losslandscape import paths, resources
from losslandscape.config import (
    check_gallery_size,
    check_memory,
    check_schema,
    check_semantics,
    load_schema,
    switched_off_as_empty,
    sharpness_setting,
    spectrum_setting,
    training_runs,
)
from losslandscape.data.mnist import CANONICAL_MD5, SPLIT_FILES
from losslandscape.landscape.directions import (
    DIRECTION_KINDS,
    INIT,
    LINE_PATTERN,
    PLANE_PATTERN,
    RUN_PATTERN,
    parse_line,
    parse_plane,
)
from losslandscape.network.names import (
    PAIR_PATTERN,
    START_PATTERN,
    parse_start,
    start_name,
)
from losslandscape.optimizers import NAMES as OPTIMIZER_NAMES
from losslandscape.optimizers import constants as optimizer_constants
from losslandscape.optimizers import stability_threshold
from losslandscape.render.options import resolve_options
from losslandscape.specs import heldout_images
from losslandscape.render.registry import REGISTRY
from losslandscape.sweep import page_count
from snakemake.utils import validate

SCHEMA = "../schemas/config.schema.yaml"

# Friendly messages first (key, value, rule), then Snakemake's validate fills the defaults,
# then the checks a schema cannot express. All of it before any job runs.
check_schema(config, load_schema(workflow.source_path(SCHEMA)))

# (validate cannot fill defaults below a null: an optimizer, sharpness or spectrum switched off)
with switched_off_as_empty(config):
    validate(config, SCHEMA, set_default=True)
check_semantics(config)
# A job whose own memory estimate exceeds what one job may get here could never run. The limit
# is this machine's memory, or the run's `--resources mem_mb=...`; a rule sized with
# `--set-resources RULE:mem_mb=...` is the user's to size.
MEM_LIMIT_MB, MEM_LIMIT_SOURCE = resources.memory_limit(
    workflow.global_resources.get("mem_mb").value
)
SIZED_RULES = {
    name
    for name, given in workflow.resource_settings.overwrite_resources.items()
    if "mem_mb" in given
}
# Checked where the run is planned: a job spawned on a cluster node re-reads this file there,
# where no --resources is passed and the node's memory is that of its own job's size.
if workflow.is_main_process:
    check_memory(config, MEM_LIMIT_MB, MEM_LIMIT_SOURCE, SIZED_RULES)

#: Every job's conda environment (with --use-conda): environment.yml, which also installs this
#: repository's package from the folder LOSSLANDSCAPE_REPO names, set here to the workflow's.
CONDA_ENV = "../../environment.yml"
os.environ.setdefault("LOSSLANDSCAPE_REPO", workflow.basedir)
#: The numerical package's version; in params so that a new engine reruns what it made.
CODE_VERSION = losslandscape.__version__
#: The installed plotly's version: results/figures/plotly.min.js is its plotly.js.
PLOTLY_VERSION = importlib.metadata.version("plotly")
HIDDEN = [int(h) for h in config["network"]["hidden"]]
SPLIT = config["mnist"]["split"]
LANDSCAPES = config["landscapes"]
TRAJECTORIES = config["trajectories"]
GALLERY = config["gallery"]
ANALYSIS = config["analysis"]
BASINS = ANALYSIS["basins"]
#: Render options: the defaults (the source documents' look) overridden by `render`.
RENDER = resolve_options(config.get("render") or {})
#: How the gallery's seeds are cut into contact-sheet pages (the sheets and the browser).
SHEET_ORDER = {
    key: RENDER["contact_sheet"][key] for key in ("per_page", "order_by", "descending")
}

#: Optimizers to run, in config order (null switches one off).
OPTIMIZERS = [name for name, c in TRAJECTORIES["optimizers"].items() if c is not None]
#: Start name (file name) -> [w_a, w_b], in config order.
START_VALUES = {
    start_name(a, b): [float(a), float(b)] for a, b in TRAJECTORIES["starts"]
}
STARTS = list(START_VALUES)
#: The gallery's seeds, a range (never a list here: a sweep's seeds cost only when a target
#: needs them, through the gallery input functions below, which check the sweep's size first).
GALLERY_SEEDS = range(GALLERY["seeds"][0], GALLERY["seeds"][1] + 1)
#: Optimizers of the basin maps, in config order (config.py checks each is configured).
BASIN_OPTIMIZERS = [str(name) for name in BASINS["optimizers"]]
TRAINING = config["training"]
PLANES = config["planes"]
LINES = config["lines"]
#: Training runs in config order: name -> optimizer, its full constants, batch (None: full).
RUN_SETTINGS = training_runs(config)
RUNS = list(RUN_SETTINGS)
#: The runs' initial network (scaled or seeds): what every whole-network job starts from.
INIT_NETWORK = str(TRAINING["init"])
#: The held-out images {split, first, n} (None: none), from training.heldout.
HELDOUT = heldout_images(config)
#: Sharpness ({eigenvalues}) and spectrum ({at, lanczos, probes}) settings (None: none).
SHARPNESS = sharpness_setting(config)
SPECTRUM = spectrum_setting(config)
PLANE_NAMES = [str(name) for name in PLANES["names"]]
ANALYSED_PLANES = [str(name) for name in ANALYSIS["planes"]]
LINE_NAMES = [str(name) for name in LINES["names"]]


wildcard_constraints:
    seed=r"\d+",
    n=r"\d+",
    pair=PAIR_PATTERN,
    optimizer="|".join(OPTIMIZER_NAMES),
    start=START_PATTERN,
    run=RUN_PATTERN,
    plane=PLANE_PATTERN,
    line=LINE_PATTERN,
    page=r"[1-9]\d*",


# ---- MNIST ----
MNIST_INPUT = {
    kind: paths.MNIST.format(mnist_file=name)
    for kind, name in zip(("images", "labels"), SPLIT_FILES[SPLIT])
}
#: Canonical checksums of the files every result derives from (recorded in figure metadata).
MNIST_MD5 = {name: CANONICAL_MD5[name] for name in SPLIT_FILES[SPLIT]}


# ---- params: exactly what a job depends on besides its wildcards and input files ----
# Plain lists, numbers and strings in a stable order: Snakemake compares their repr.

#: Every job on a landscape.
LANDSCAPE_PARAMS = {"hidden": HIDDEN, "split": SPLIT, "code_version": CODE_VERSION}
GRID_RANGES = {
    "a": [float(x) for x in LANDSCAPES["grid"]["a"]],
    "b": [float(x) for x in LANDSCAPES["grid"]["b"]],
}
#: Grids, critical points (and plateaus, with their threshold).
GRID_PARAMS = {
    **LANDSCAPE_PARAMS,
    **GRID_RANGES,
    "resolution": int(LANDSCAPES["grid"]["resolution"]),
}
PLATEAU_PARAMS = {**GRID_PARAMS, "threshold": float(ANALYSIS["plateau_threshold"])}
#: Basin maps: their own resolution (starts per axis) over the grid's ranges.
BASIN_PARAMS = {
    **LANDSCAPE_PARAMS,
    **GRID_RANGES,
    "resolution": int(BASINS["resolution"]),
    "epochs": int(BASINS["epochs"]),
}


def _constants(name):
    """The full constants of optimizer `name` (defaults filled), with sorted keys."""
    full = optimizer_constants(name, TRAJECTORIES["optimizers"].get(name) or {})
    return {key: full[key] for key in sorted(full)}


def optimizer_params(wildcards):
    """The constants of the job's optimizer (trajectories and basin maps)."""
    return _constants(wildcards.optimizer)


def run_optimizer(wildcards):
    """The optimizer of the job's training run."""
    return RUN_SETTINGS[wildcards.run]["optimizer"]


def run_constants(wildcards):
    """The optimizer constants of the job's training run (its own, defaults filled in)."""
    return RUN_SETTINGS[wildcards.run]["constants"]


def run_batch(wildcards):
    """The batch size of the job's training run (None: full batch)."""
    return RUN_SETTINGS[wildcards.run]["batch"]


#: Every job on a whole network: its initial network too.
NETWORK_PARAMS = {**LANDSCAPE_PARAMS, "init": INIT_NETWORK}
#: Training runs: what each depends on besides its run (optimizer, constants, batch) and N.
TRAIN_PARAMS = {
    **NETWORK_PARAMS,
    "epochs": int(TRAINING["epochs"]),
    "snapshots": int(TRAINING["snapshots"]),
}
#: Held-out records: which images (and the network's shape; the weights are the input).
HELDOUT_PARAMS = {**NETWORK_PARAMS, "heldout": HELDOUT}
#: The files of the held-out images' split, as named inputs (none without held-out images).
HELDOUT_INPUT = (
    {}
    if HELDOUT is None
    else {
        f"heldout_{kind}": paths.MNIST.format(mnist_file=name)
        for kind, name in zip(("images", "labels"), SPLIT_FILES[HELDOUT["split"]])
    }
)

#: Sharpness: how many eigenvalues (the run's threshold comes from run_threshold).
SHARPNESS_PARAMS = {**NETWORK_PARAMS, **(SHARPNESS or {})}
#: Spectra: at which snapshots, Lanczos steps, probes.
SPECTRUM_PARAMS = {**NETWORK_PARAMS, **(SPECTRUM or {})}


def run_threshold(wildcards):
    """The stability threshold of the job's run (2/lr, (2 + 2 rho)/lr, or None)."""
    run = RUN_SETTINGS[wildcards.run]
    return stability_threshold(run["optimizer"], run["constants"], run["batch"])


def _plane_range(axis):
    """A plane axis' [low, high], or "auto" (from every run's projected path)."""
    given = PLANES["grid"][axis]
    return given if given == "auto" else [float(x) for x in given]


#: Plane grids: the (alpha, beta) grid.
PLANE_GRID_PARAMS = {
    **NETWORK_PARAMS,
    "a": _plane_range("a"),
    "b": _plane_range("b"),
    "resolution": int(PLANES["grid"]["resolution"]),
}
#: Whether a plane's ranges come from the runs' projected paths (its jobs then read them).
PLANE_RANGES_AUTO = "auto" in (PLANE_GRID_PARAMS["a"], PLANE_GRID_PARAMS["b"])
#: Plane analysis: the plane's grid (and the plateau threshold).
PLANE_PLATEAU_PARAMS = {
    **PLANE_GRID_PARAMS,
    "threshold": float(ANALYSIS["plateau_threshold"]),
}
LINE_PARAMS = {
    **NETWORK_PARAMS,
    "t": [float(x) for x in LINES["t"]],
    "points": int(LINES["points"]),
    "heldout": HELDOUT,
}


def start_params(wildcards):
    """The start point [w_a, w_b] of the job: the configured values behind the file name."""
    if wildcards.start in START_VALUES:
        return START_VALUES[wildcards.start]
    return list(parse_start(wildcards.start))


def trajectory_options(wildcards):
    """The trajectory command's options besides wildcards and files (see losslandscape.cli)."""
    constants = ",".join(f"{k}={v!r}" for k, v in optimizer_params(wildcards).items())
    a, b = start_params(wildcards)
    return (
        f"--hidden {','.join(map(str, HIDDEN))} --split {SPLIT}"
        f" --constants={constants} --start={a!r},{b!r}"
        f" --epochs {int(TRAJECTORIES['epochs'])}"
    )


def figure_params(kind, **more):
    """What a figure job depends on: its render-options sections, versions and `more`."""
    sections = REGISTRY[kind].option_sections()
    return {
        "render": {name: RENDER[name] for name in sections},
        "code_version": CODE_VERSION,
        "figure": kind,
        "mnist_md5": MNIST_MD5,
        **more,
    }


# ---- outputs, logs and benchmarks of the stage files ----


def figure_outputs(kind):
    """A figure rule's named outputs (one per extension), the still or page in the report.

    A page that loads the shared plotly.js is not reported itself: its self-contained copy
    (report_copy_output) is.
    """
    entry = REGISTRY[kind]
    out = entry.outputs()
    if entry.shared_plotly:
        return out
    shown = entry.reported()
    out[shown] = _reported(kind, out[shown])
    return out


def report_copy_output(kind):
    """The report's self-contained copy of a page that shares plotly.js."""
    return _reported(kind, REGISTRY[kind].report_copy())


def _reported(kind, path):
    """`path` in the report with the kind's caption, category and labels."""
    entry = REGISTRY[kind]
    return report(
        path,
        caption=f"../report/{kind}.rst",
        category=entry.category,
        labels=entry.report_labels(),
    )


def log_of(rule, template):
    """logs/{rule}/{wildcards...}.log for a rule whose output is `template`."""
    return paths.job_files(rule, template)[0]


def benchmark_of(rule, template):
    """benchmarks/{rule}/{wildcards...}.tsv for a rule whose output is `template`."""
    return paths.job_files(rule, template)[1]


def figure_log(kind):
    """The log of a figure job."""
    return log_of(kind, REGISTRY[kind].path)


def figure_benchmark(kind):
    """The benchmark file of a figure job."""
    return benchmark_of(kind, REGISTRY[kind].path)


# ---- input functions ----


def _landscape_files(template, wildcards, **over):
    """`template` formatted with the job's seed, n and pair, some of them replaced by `over`."""
    keys = {"seed": wildcards.seed, "n": wildcards.n, "pair": wildcards.pair, **over}
    return expand(template, **keys)


def grid_of(wildcards):
    """The grid of a figure's landscape: same (seed, n, pair)."""
    return paths.GRID.format(seed=wildcards.seed, n=wildcards.n, pair=wildcards.pair)


def critical_of(wildcards):
    """The critical points of a figure's landscape: same (seed, n, pair)."""
    return paths.CRITICAL_POINTS.format(
        seed=wildcards.seed, n=wildcards.n, pair=wildcards.pair
    )


def trajectories_of_optimizer(wildcards):
    """Every configured start of one optimizer (the article's several-starts figures)."""
    return _landscape_files(
        paths.TRAJECTORY, wildcards, optimizer=wildcards.optimizer, start=STARTS
    )


def trajectories_of_start(wildcards):
    """Every configured optimizer from one start (the German notebook's comparison)."""
    return _landscape_files(
        paths.TRAJECTORY, wildcards, optimizer=OPTIMIZERS, start=wildcards.start
    )


def _snapshots_of(wildcards, anchor):
    """The snapshots file of run `anchor` on the job's (seed, n); none for `init`."""
    if anchor == INIT:
        return {}
    return paths.SNAPSHOTS.format(seed=wildcards.seed, n=wildcards.n, run=anchor)


def centre_of(wildcards):
    """A plane's centre run (its snapshots), as named input `centre`; nothing for `init`."""
    found = _snapshots_of(wildcards, parse_plane(wildcards.plane).centre)
    return {"centre": found} if found else {}


def line_ends(wildcards):
    """A line's anchors (their snapshots) as named inputs: `start` and `end` of a line between
    two networks, `centre` of a random line; `init` has none."""
    line = parse_line(wildcards.line)
    ends = {
        role: _snapshots_of(wildcards, anchor)
        for role, anchor in zip(line.roles, line.anchors, strict=True)
    }
    return {name: path for name, path in ends.items() if path}


def plane_ranges_of(wildcards):
    """Every run's path on the job's plane as named input `paths`, when a range is auto."""
    return {"paths": plane_paths_of(wildcards)} if PLANE_RANGES_AUTO else {}


def directions_of(wildcards):
    """The directions of the job's plane."""
    return paths.DIRECTIONS.format(
        seed=wildcards.seed, n=wildcards.n, plane=wildcards.plane
    )


def plane_critical_of(wildcards):
    """{"critical": the plane's critical points} for an analysed plane, else nothing."""
    if wildcards.plane not in ANALYSED_PLANES:
        return {}
    return {
        "critical": paths.PLANE_CRITICAL_POINTS.format(
            seed=wildcards.seed, n=wildcards.n, plane=wildcards.plane
        )
    }


def snapshots_of_run(wildcards):
    """The snapshots of the job's run."""
    return paths.SNAPSHOTS.format(seed=wildcards.seed, n=wildcards.n, run=wildcards.run)


def sharpness_of_runs(wildcards):
    """Every configured run's sharpness file on the job's (seed, n), in RUNS order."""
    return expand(paths.SHARPNESS, seed=wildcards.seed, n=wildcards.n, run=RUNS)


def spectrum_of_run(wildcards):
    """The spectrum file of the job's run."""
    return paths.SPECTRUM.format(seed=wildcards.seed, n=wildcards.n, run=wildcards.run)


def training_of_run(wildcards):
    """The per-epoch record of the job's run."""
    return paths.TRAINING.format(seed=wildcards.seed, n=wildcards.n, run=wildcards.run)


def plane_grid_of(wildcards):
    """The grid of the job's plane."""
    return paths.PLANE_GRID.format(
        seed=wildcards.seed, n=wildcards.n, plane=wildcards.plane
    )


def plane_paths_of(wildcards):
    """Every configured run's path on the job's plane, in RUNS order (params.runs)."""
    return expand(
        paths.PLANE_PATH,
        seed=wildcards.seed,
        n=wildcards.n,
        plane=wildcards.plane,
        run=RUNS,
    )


def training_of_runs(wildcards):
    """Every configured run's training file on the job's (seed, n), in RUNS order."""
    return expand(paths.TRAINING, seed=wildcards.seed, n=wildcards.n, run=RUNS)


def heldout_of_runs(wildcards):
    """Every run's held-out record on the job's (seed, n) as named input `heldout` (RUNS
    order), none without held-out images."""
    if HELDOUT is None:
        return {}
    return {
        "heldout": expand(paths.HELDOUT, seed=wildcards.seed, n=wildcards.n, run=RUNS)
    }


def line_of(wildcards):
    """The job's line."""
    return paths.LINE.format(seed=wildcards.seed, n=wildcards.n, line=wildcards.line)


def surfaces_grids(wildcards):
    """One grid per configured N for the side-by-side surfaces (article Fig. 3)."""
    return expand(
        paths.GRID, seed=wildcards.seed, n=LANDSCAPES["n"], pair=wildcards.pair
    )


def gallery_seeds(wildcards=None):
    """The gallery's seeds as a list, once the sweep is known to be small enough to plan.

    Only input and params functions call it, so a command that does not run the sweep never
    builds its lists.
    """
    check_gallery_planning()
    return list(GALLERY_SEEDS)


def check_gallery_planning():
    """Stop a gallery sweep too large to plan (where the run is planned, not in a spawned job)."""
    if workflow.is_main_process:
        check_gallery_size(config)


def gallery_grids(wildcards):
    """One grid per gallery seed for a contact sheet."""
    return expand(paths.GRID, seed=gallery_seeds(), n=wildcards.n, pair=wildcards.pair)


def gallery_summary_if_ordered(wildcards):
    """The gallery summary when the contact sheets are ordered by one of its columns."""
    return [paths.GALLERY_SUMMARY] if RENDER["contact_sheet"]["order_by"] else []


def gallery_files(template):
    """`template` for every (seed, n, pair) of the gallery."""
    return expand(template, seed=gallery_seeds(), n=GALLERY["n"], pair=GALLERY["pairs"])


def gallery_input(template):
    """An input function: `template` for every (seed, n, pair) of the gallery, when needed."""
    return lambda wildcards: gallery_files(template)


def gallery_sheets(wildcards=None):
    """Every contact-sheet page of every gallery (n, pair)."""
    check_gallery_planning()
    pages = range(1, page_count(len(GALLERY_SEEDS), SHEET_ORDER["per_page"]) + 1)
    return expand(
        REGISTRY["contact_sheet"].outputs()["png"],
        n=GALLERY["n"],
        pair=GALLERY["pairs"],
        page=pages,
    )


# ---- resources (cluster sizing: the cost model is losslandscape.resources.RULE_COSTS;
# these only pass it the config and the job's wildcards) ----


def job_mem_mb(name):
    """Rule `name`'s `mem_mb`: what one job asks for, doubled with every retry."""

    def mem_mb(wildcards, attempt):
        sizes = resources.JobSizes.of(config, wildcards)
        return resources.mem_mb(name, sizes, attempt)

    return mem_mb


def job_runtime(name):
    """Rule `name`'s `runtime` (minutes): what one job asks for, doubled with every retry."""

    def runtime(wildcards, attempt):
        sizes = resources.JobSizes.of(config, wildcards)
        return resources.runtime(name, sizes, attempt)

    return runtime
