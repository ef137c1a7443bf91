"""The script of every `script:` rule: runs the job of the rule (losslandscape.jobs.run_rule)."""

from losslandscape.jobs import run_rule

run_rule(snakemake)  # noqa: F821 (Snakemake's script directive defines `snakemake`)
