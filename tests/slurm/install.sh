#!/usr/bin/env bash
# Install what tests/slurm/start.sh needs: Debian's slurm-wlm and munge (no accounting database:
# the tests query job states with `squeue` and keep a job-completion log instead).
# Does nothing where they are installed already; exits 0 with a message where it cannot install
# (not root, no apt-get, no package mirror): tests/test_slurm.py then skips with the reason.
set -uo pipefail

if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
    && command -v munged >/dev/null; then
    echo "slurm-wlm and munge are installed"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "warning: not root or no apt-get: cannot install slurm-wlm and munge;" \
        "the SLURM integration test will be skipped"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if timeout -k 10 300 apt-get update -qq \
    && timeout -k 10 600 apt-get install -y -qq slurm-wlm munge >/dev/null
then
    echo "installed slurm-wlm and munge"
else
    echo "warning: could not install slurm-wlm and munge; the SLURM integration test will be skipped"
fi
exit 0
