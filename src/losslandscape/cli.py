"""The package's command line: `python -m losslandscape trajectory ...` (or `losslandscape ...`).

The trajectory rule runs its jobs through this command rather than Snakemake's `script:`: a job
of a fraction of a second would otherwise spend most of its time in Snakemake's script preamble.
Every value is a named option; `--help` lists them.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence


def _floats(text: str) -> tuple[float, ...]:
    """'a,b,...' -> floats (negative values need the --opt=value form on the command line)."""
    return tuple(float(x) for x in text.split(","))


def _ints(text: str) -> tuple[int, ...]:
    """'50,500' -> (50, 500)."""
    return tuple(int(x) for x in text.split(","))


def _constants(text: str) -> dict[str, float]:
    """'lr=10.0,rho=0.9' -> {'lr': 10.0, 'rho': 0.9} (empty text: no constants)."""
    out = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"{item!r}: expected name=value")
        out[key] = float(value)
    return out


def parser() -> argparse.ArgumentParser:
    """The command-line parser (one sub-command per job run this way)."""
    top = argparse.ArgumentParser(prog="losslandscape", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    t = sub.add_parser("trajectory", help="one optimizer from one start point on one landscape")
    t.add_argument("--seed", type=int, required=True, help="seed of the initial network")
    t.add_argument("--n", type=int, required=True, help="first N images of the split")
    t.add_argument("--pair", required=True, help="the two weights, e.g. w2-5-250_w2-5-251")
    t.add_argument("--hidden", type=_ints, required=True, help="hidden layers, e.g. 50,500")
    t.add_argument("--split", choices=["train", "test"], required=True)
    t.add_argument("--optimizer", required=True, help="update rule, e.g. sgd")
    t.add_argument("--constants", type=_constants, default={}, help="e.g. lr=10.0,rho=0.9")
    t.add_argument("--start", type=_floats, required=True, help="w_a,w_b, e.g. --start=-9,15")
    t.add_argument("--epochs", type=int, required=True, help="number of updates")
    t.add_argument("--images", required=True, help="MNIST images file (.gz)")
    t.add_argument("--labels", required=True, help="MNIST labels file (.gz)")
    t.add_argument("--output", required=True, help="trajectory Parquet file to write")
    t.add_argument("--log", default=None, help="log file (default: stderr)")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; exceptions propagate (logged to --log first) so the exit status is 1."""
    args = parser().parse_args(argv)
    # One BLAS thread unless told otherwise, set before numpy loads (inside Snakemake the job's
    # `threads` are already in OPENBLAS_NUM_THREADS).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from .jobs.common import PairInputs, job_log
    from .jobs.grids import trajectory_job
    from .specs import LandscapeSpec, OptimizerSpec

    if len(args.start) != 2:
        raise SystemExit(f"--start={args.start}: expected two values w_a,w_b")
    with job_log(args.log, "trajectory"):
        landscape = LandscapeSpec(args.seed, args.n, args.pair, args.hidden, args.split)
        trajectory_job(
            inputs=PairInputs(args.images, args.labels, landscape),
            output=args.output,
            optimizer=OptimizerSpec(args.optimizer, args.constants),
            start=(args.start[0], args.start[1]),
            epochs=args.epochs,
        )
    return 0
