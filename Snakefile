# Loss landscapes of a small MLP on MNIST and the paths optimizers take across them.
# See README.md; the user-facing contract is ../shared/DESIGN.md.
import os
import sys

from snakemake.utils import min_version

min_version("9.27")

# The checkout's own numerical package (src/losslandscape), whether or not it is pip-installed.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))


# config.yaml of the working directory (e.g. `--directory tests/<case>`), else the repository's.
CONFIG_FILE = "config.yaml"
if not os.path.exists(CONFIG_FILE):
    CONFIG_FILE = os.path.join(workflow.basedir, "config.yaml")


configfile: CONFIG_FILE


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/grids.smk"
include: "workflow/rules/trajectories.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/analysis.smk"


onsuccess:
    release_scheduler_timers()


onerror:
    release_scheduler_timers()


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


rule gallery:
    input:
        all_gallery(),


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
