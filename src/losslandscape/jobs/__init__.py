"""The workflow's jobs, one module per stage; `rules` is the Snakemake adapter.

`run_rule` stands here for scripts/job.py, whose text must not change: Snakemake's code trigger
would rerun every job of a `script:` rule. It loads the adapter only when called, so importing
this package costs nothing.
"""


def run_rule(smk: object) -> None:
    """Run the job of Snakemake's `snakemake` object (losslandscape.jobs.rules.run_rule)."""
    from .rules import run_rule as run_job

    run_job(smk)
