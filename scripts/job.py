"""The script of every `script:` rule: runs its job (losslandscape.jobs.rules.run_rule)."""

from losslandscape.jobs.rules import run_rule

run_rule(snakemake)  # noqa: F821 (Snakemake's script directive defines `snakemake`)
