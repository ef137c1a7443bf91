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
#: The figures of one pair landscape.
LANDSCAPE_FIGURES = f"{FIGURES}/{{seed}}/{{n}}/{{pair}}"
#: The whole-network figures of one (seed, N) of training.
NETWORK_FIGURES = f"{FIGURES}/{{seed}}/{{n}}"
#: Every figure kind's output files, without the extension (one file per extension the kind
#: writes), by the kind's name.
FIGURE = {
    "surfaces": f"{FIGURES}/{{seed}}/{{pair}}/surfaces",
    "rotation": f"{LANDSCAPE_FIGURES}/rotation",
    "contact_sheet": f"{FIGURES}/gallery/{{n}}/{{pair}}/contact_sheet_{{page}}",
    "contour": f"{LANDSCAPE_FIGURES}/contour_{{optimizer}}",
    "descent3d": f"{LANDSCAPE_FIGURES}/descent3d_{{optimizer}}",
    "descent2d": f"{LANDSCAPE_FIGURES}/descent2d_{{optimizer}}",
    "compare3d": f"{LANDSCAPE_FIGURES}/compare3d_{{start}}",
    "compare2d": f"{LANDSCAPE_FIGURES}/compare2d_{{start}}",
    "interactive": f"{LANDSCAPE_FIGURES}/interactive_{{start}}",
    "basin_map": f"{LANDSCAPE_FIGURES}/basin_map_{{optimizer}}",
    "plane_contour": f"{NETWORK_FIGURES}/planes/plane_contour_{{plane}}",
    "plane_surfaces": f"{NETWORK_FIGURES}/planes/plane_surfaces_{{plane}}",
    "plane_descent3d": f"{NETWORK_FIGURES}/planes/plane_descent3d_{{plane}}",
    "plane_descent2d": f"{NETWORK_FIGURES}/planes/plane_descent2d_{{plane}}",
    "plane_interactive": f"{NETWORK_FIGURES}/planes/plane_interactive_{{plane}}",
    "plane_distance": f"{NETWORK_FIGURES}/planes/plane_distance_{{plane}}",
    "training_curves": f"{NETWORK_FIGURES}/training_curves",
    "line_plot": f"{NETWORK_FIGURES}/lines/line_plot_{{line}}",
}


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
