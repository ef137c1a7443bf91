"""Benchmark: the rotating-landscape GIF (article Fig. 7/8) drawn frame by frame anew vs ours.

Run: ``python tests/benchmarks/bench_rotation.py [--grid results/grids/.../pair.parquet]``.
Not a test: it prints the times and their ratio. Both write the same GIF (same figure, look,
size, frames and writer; the test suite checks that the frames are pixel-identical):
1. naive: ``losslandscape.render.reference.naive_render_rotation``: a new figure (3D axes,
   surface, labels, layout) for every one of the 72 frames.
2. ours: ``losslandscape.render.surfaces.render_rotation``: one figure, only the view turns.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from losslandscape.render.data import Landscape, load_landscape  # noqa: E402
from losslandscape.render.reference import naive_render_rotation  # noqa: E402
from losslandscape.render.surfaces import render_rotation  # noqa: E402


def synthetic(res: int = 40) -> Landscape:
    """A bumpy 40x40 landscape on the source documents' grid."""
    a = np.linspace(-15, 17, res)
    b = np.linspace(-15, 18, res)
    mesh_a, mesh_b = np.meshgrid(a, b)
    z = 4.76 + 0.02 * np.sin(mesh_a / 4) * np.cos(mesh_b / 5) + 1e-4 * mesh_a * mesh_b
    return Landscape(a, b, z, seed=0, n=500)


def main() -> None:
    """Time both ways on one landscape, best of `--repeat` runs each, and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", help="a grid Parquet file (default: synthetic 40x40)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    land = load_landscape(args.grid) if args.grid else synthetic()
    out = Path(tempfile.mkdtemp(prefix="ll-bench-rotation-"))
    times: dict[str, float] = {"naive": float("inf"), "ours": float("inf")}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        naive_render_rotation(land, out / "naive.gif", out / "naive.png")
        times["naive"] = min(times["naive"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        render_rotation(land, out / "ours.gif", out / "ours.png")
        times["ours"] = min(times["ours"], time.perf_counter() - t0)
    same = (out / "naive.gif").read_bytes() == (out / "ours.gif").read_bytes()
    print(f"rotating GIF, 72 frames of 600x600, {land.z.shape[1]}x{land.z.shape[0]} grid:")
    print(f"  naive (every frame anew): {times['naive']:.2f} s")
    print(f"  ours (one figure, view turns): {times['ours']:.2f} s")
    print(f"  speed-up: {times['naive'] / times['ours']:.2f}x; same GIF bytes: {same}")


if __name__ == "__main__":
    main()
