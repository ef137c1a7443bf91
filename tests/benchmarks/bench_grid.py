"""Grid engine against the naive reference, measured in the same run (not a test: prints ratios).

    python tests/benchmarks/bench_grid.py [--n 10000] [--resolutions 40 200] [--threads 2]

For each pair (one per layer) and grid: the engine's wall time for the whole grid (frozen
network included), the naive reference's time per grid point (fresh init, full forward pass,
averaged over a few points spread over the grid, whose values are checked against the engine's
to 1e-9) times the number of points, and their ratio. Then a whole `snakemake` run of a 200x200
output-layer grid at N=10,000 against the naive estimate, with the job's peak memory.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from common import max_rss_mb, run_workflow, test_split_paths

from losslandscape.data.idx import load_split
from losslandscape.landscape.pair import PairSlice
from losslandscape.network.model import init_weights
from losslandscape.network.names import parse_pair
from losslandscape.reference import naive_cost

PAIRS = {
    "output": "w2-5-250_w2-5-251",
    "middle": "w1-200-30_w1-200-31",
    "first": "w0-5-406_w0-5-407",  # two central pixels: nonzero in ~70% of images (worst case)
}
SEED, HIDDEN = 135, [50, 500]
A, B = (-15.0, 17.0), (-15.0, 18.0)


def naive_per_point(x, y, pair, a_values, b_values, got, points):
    """Mean seconds per naive grid point, checking those points against the engine's grid."""
    wa, wb = parse_pair(pair)
    r = len(a_values)
    picks = np.linspace(0, r * r - 1, points).astype(int)
    t0 = time.perf_counter()
    for k in picks:
        want = naive_cost(SEED, HIDDEN, x, y, wa, wb, a_values[k % r], b_values[k // r])
        assert abs(want - got[k]) <= 1e-9, (pair, k, want, got[k])
    return (time.perf_counter() - t0) / len(picks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--resolutions", type=int, nargs="+", default=[40, 200])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--naive-points", type=int, default=3)
    ap.add_argument("--layers", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    ap.add_argument("--no-snakemake", action="store_true")
    args = ap.parse_args()
    images, labels = test_split_paths()
    x, y = load_split(images, labels, args.n)
    print(f"N={args.n}, engine threads={args.threads}, naive: mean of {args.naive_points} points")
    head = ("layer", "pair", "grid", "engine s", "naive s (est.)", "ratio")
    print("{:7} {:22} {:>8} {:>9} {:>15} {:>8}".format(*head))
    for layer in args.layers:
        pair = PAIRS[layer]
        wa, wb = parse_pair(pair)
        for res in args.resolutions:
            a_values, b_values = np.linspace(*A, res), np.linspace(*B, res)
            t0 = time.perf_counter()
            sl = PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wb, threads=args.threads)
            got = sl.grid(a_values, b_values)
            t_engine = time.perf_counter() - t0
            per_point = naive_per_point(x, y, pair, a_values, b_values, got, args.naive_points)
            t_naive = per_point * res * res
            print(
                f"{layer:7} {pair:22} {res:>3}x{res:<4} {t_engine:9.2f} {t_naive:15.1f} "
                f"{t_naive / t_engine:7.0f}x"
            )
    if args.no_snakemake:
        return
    pair, res = PAIRS["output"], 200
    wa, wb = parse_pair(pair)
    a_values, b_values = np.linspace(*A, res), np.linspace(*B, res)
    sl = PairSlice(init_weights(SEED, HIDDEN), x, y, wa, wb)
    per_point = naive_per_point(x, y, pair, a_values, b_values, sl.grid(a_values, b_values), 3)
    workdir = Path(tempfile.mkdtemp(prefix="ll-bench-grid-"))
    config = {
        "mnist": {"split": "test"},
        "landscapes": {
            "seeds": [SEED], "n": [args.n], "pairs": [pair],
            "grid": {"a": list(A), "b": list(B), "resolution": res},
        },
    }  # fmt: skip
    wall = run_workflow(config, ["grids"], workdir)
    rss = max_rss_mb(workdir / "benchmarks" / "grid" / str(SEED) / str(args.n) / f"{pair}.tsv")
    t_naive = per_point * res * res
    print(
        f"snakemake run, {res}x{res} output-layer grid at N={args.n} (download included): "
        f"{wall:.1f} s vs naive {t_naive:.0f} s: {t_naive / wall:.0f}x; grid job peak RSS "
        f"{rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
