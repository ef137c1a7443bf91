# Loss landscapes of a small MLP on MNIST and the paths optimizers take across them.
# See README.md; the user-facing contract is ../shared/DESIGN.md.
import os

from snakemake.utils import min_version

min_version("9.27")


configfile: os.path.join(workflow.basedir, "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/grids.smk"
include: "workflow/rules/trajectories.smk"


rule grids:
    input:
        all_grids(),


rule trajectories:
    input:
        all_trajectories(),


rule all:
    default_target: True
    input:
        rules.grids.input,
        rules.trajectories.input,
