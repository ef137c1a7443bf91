"""Where the workflow reads and writes: every path template of the pipeline, defined once.

Templates use Snakemake's wildcard spelling ({seed}, {n}, {pair}, ...), so the workflow's rules
and target lists, the jobs, the figure registry (losslandscape.render.registry) and the tests all
format the same strings.
"""

from __future__ import annotations

import re

#: A downloaded MNIST file, by its canonical name (e.g. t10k-images-idx3-ubyte.gz).
MNIST = "resources/mnist/{mnist_file}"
#: The cost grid of one landscape (seed, N, weight pair).
GRID = "results/grids/{seed}/{n}/{pair}.parquet"
#: One optimizer's trajectory from one start point on one landscape.
TRAJECTORY = "results/trajectories/{seed}/{n}/{pair}/{optimizer}/{start}.parquet"
#: The analysis files of one landscape.
ANALYSIS_DIR = "results/analysis/{seed}/{n}/{pair}"
CRITICAL_POINTS = f"{ANALYSIS_DIR}/critical_points.parquet"
PLATEAUS = f"{ANALYSIS_DIR}/plateaus.parquet"
BASINS = f"{ANALYSIS_DIR}/basins_{{optimizer}}.parquet"
#: One row per analysed landscape.
SUMMARY = "results/analysis/summary.parquet"
SUMMARY_CSV = "results/analysis/summary.csv"
# the gallery sweep: the summary of its landscapes and the browser page that shows them
GALLERY_SUMMARY = "results/analysis/gallery/summary.parquet"
GALLERY_SUMMARY_CSV = "results/analysis/gallery/summary.csv"
GALLERY_BROWSER = "results/figures/gallery/index.html"
# the one copy of plotly.js that every interactive page under results/ loads
PLOTLY_JS = "results/figures/plotly.min.js"

#: Whole-network views: a training run (per-epoch cost and accuracy) and its snapshots.
TRAINING = "results/training/{seed}/{n}/{run}.parquet"
SNAPSHOTS = "results/training/{seed}/{n}/{run}_snapshots.parquet"
#: J and accuracy of every snapshot of a run on the held-out images.
HELDOUT = "results/training/{seed}/{n}/{run}_heldout.parquet"
#: The Hessian of J/2 along a run: its largest eigenvalues at every snapshot (sharpness), and its
#: eigenvalue density and trace at the snapshots of training.spectrum.at.
SHARPNESS = "results/training/{seed}/{n}/{run}_sharpness.parquet"
SPECTRUM = "results/training/{seed}/{n}/{run}_spectrum.parquet"
#: A plane through all weights: its directions, its grid and every run's path on it.
PLANE_DIR = "results/planes/{seed}/{n}/{plane}"
DIRECTIONS = f"{PLANE_DIR}/directions.parquet"
PLANE_GRID = f"{PLANE_DIR}/grid.parquet"
PLANE_PATH = f"{PLANE_DIR}/path_{{run}}.parquet"
#: A plane's analysis (analysis.planes): J and its gradient on the plane's grid, then critical
#: points and plateaus as a landscape's, in (alpha, beta).
PLANE_GRADIENT = f"{PLANE_DIR}/gradient.parquet"
PLANE_CRITICAL_POINTS = f"{PLANE_DIR}/critical_points.parquet"
PLANE_PLATEAUS = f"{PLANE_DIR}/plateaus.parquet"
#: J and accuracy along the line between two networks.
LINE = "results/lines/{seed}/{n}/{line}.parquet"

# ---------------------------------------------------------------------- figures
FIGURES = "results/figures"
#: The folders figures go to, by name: a figure kind's files are {folder}/{kind} or, for a kind
#: drawn once per value of a wildcard, {folder}/{kind}_{wildcard} (figure_path).
FIGURE_FOLDERS = {
    # per pair landscape, and per (seed, pair) over every N
    "landscape": f"{FIGURES}/{{seed}}/{{n}}/{{pair}}",
    "pair": f"{FIGURES}/{{seed}}/{{pair}}",
    # pages of a sweep's contact sheets
    "gallery": f"{FIGURES}/gallery/{{n}}/{{pair}}",
    # whole network, per (seed, N) of training
    "network": f"{FIGURES}/{{seed}}/{{n}}",
    "planes": f"{FIGURES}/{{seed}}/{{n}}/planes",
    "lines": f"{FIGURES}/{{seed}}/{{n}}/lines",
}


def figure_path(kind: str, folder: str, by: str | None = None) -> str:
    """A figure kind's output path template without its extension (one file per extension)."""
    return f"{FIGURE_FOLDERS[folder]}/{kind}" + ("" if by is None else f"_{{{by}}}")


def report_copy(path: str) -> str:
    """Where the report's self-contained copy of a results/ page goes (report/..., .html)."""
    return f"report/{path.removeprefix('results/')}.html"


_WILDCARD = re.compile(r"{(\w+)}")


def wildcards_of(template: str) -> list[str]:
    """The wildcard names of a template, in order of appearance (each once)."""
    return list(dict.fromkeys(_WILDCARD.findall(template)))


def job_files(rule: str, template: str) -> tuple[str, str]:
    """The log and benchmark paths of a rule whose output is `template`.

    logs/{rule}/{w1}/{w2}/....log and benchmarks/{rule}/....tsv: one file per job, named by the
    job's wildcards in the order the output path spells them.
    """
    names = wildcards_of(template)
    stem = "/".join([rule, *(f"{{{name}}}" for name in names)])
    return f"logs/{stem}.log", f"benchmarks/{stem}.tsv"
