# Loss landscapes of a small MLP on MNIST and the paths optimizers take across them.
# The user's guide is docs/ (README.md links into it). The numerical package (src/losslandscape)
# must be installed: `pip install -e .` (docs/setup.md).
import os

from snakemake.utils import min_version

min_version("9.27")


# config.yaml of the working directory (e.g. `--directory tests/<case>`), else the repository's.
CONFIG_FILE = "config.yaml"
if not os.path.exists(CONFIG_FILE):
    CONFIG_FILE = os.path.join(workflow.basedir, "config.yaml")


configfile: CONFIG_FILE


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/targets.smk"
include: "workflow/rules/scheduler_timers.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/grids.smk"
include: "workflow/rules/trajectories.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/planes.smk"
include: "workflow/rules/plane_figures.smk"


rule grids:
    input:
        all_grids(),


rule trajectories:
    input:
        all_trajectories(),


rule figures:
    input:
        all_figures(),


rule analysis:
    input:
        all_analysis(),


rule training:
    input:
        all_training(),
        all_training_figures(),


rule planes:
    input:
        all_planes(),
        all_plane_figures(),


rule lines:
    input:
        all_lines(),
        all_line_figures(),


rule gallery:
    input:
        all_gallery,


rule paper:
    input:
        paper_figures(),


rule all:
    default_target: True
    input:
        rules.grids.input,
        rules.trajectories.input,
        rules.figures.input,
        rules.analysis.input,
        rules.training.input,
        rules.planes.input,
        rules.lines.input,


# Everything of `all` and the report's self-contained copies of the interactive pages:
# `snakemake -c all report_pages && snakemake --report report.html report_pages`.
rule report_pages:
    input:
        rules.all.input,
        all_report_pages(),
