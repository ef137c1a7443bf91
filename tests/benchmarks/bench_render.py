"""Benchmark: the article's Fig. 5 GIF (98 frames, 1000x1000) the seeds' way versus ours.

Run: ``python tests/benchmarks/bench_render.py`` (options: ``--grid`` and ``--trajectories`` to
use real Parquet files instead of the synthetic 40x40 grid and three 10,000-epoch paths,
``--out DIR`` to keep the GIFs). Not a test: it prints the times and their ratios.

Ways timed (same 98 epochs, figsize 10x10, dpi 100, PillowWriter):
1. seeds: the article's loop verbatim in spirit: celluloid Camera; every frame plots the three
   partial paths, scatters every point of every path (s=15**2), draws the whole surface
   again, adds the legend, tight_layout, snap; then ArtistAnimation.save.
2. celluloid-same-content: celluloid again, but each frame holds exactly what ours shows
   (partial paths, start and current markers, surface, "epochs: k" legend).
3. ours: ``losslandscape.render.animation.render_descent3d`` (surface drawn once, per-frame blit
   of the moving artists, shared GIF palette).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from celluloid import Camera  # noqa: E402
from matplotlib.animation import PillowWriter  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

from losslandscape.render.animation import render_descent3d  # noqa: E402
from losslandscape.render.data import Landscape, Track, last_epoch, load_landscape, load_tracks  # noqa: E402
from losslandscape.render.options import DEFAULT_RENDER, select_frames  # noqa: E402

LINE_STYLES = ["dashed", "dashdot", "dotted"]


def synthetic(res: int = 40, epochs: int = 10_000) -> tuple[Landscape, list[Track]]:
    """A bumpy 40x40 landscape on the seeds' grid and three slowly converging paths."""

    def cost(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (
            4.76
            + 0.02 * np.sin(a / 4) * np.cos(b / 5)
            + 0.01 * np.exp(-((a - 8) ** 2 + (b + 6) ** 2) / 30)
            + 1e-4 * (a**2 + b**2)
        )

    mesh_a, mesh_b = np.meshgrid(np.linspace(-15, 17, res), np.linspace(-15, 18, res))
    grid = pd.DataFrame(
        {"w_a": mesh_a.ravel(), "w_b": mesh_b.ravel(), "cost": cost(mesh_a, mesh_b).ravel()}
    )
    land = Landscape.from_frame(grid, pair="w2-5-250_w2-5-251", seed=135, n=100)
    tracks = []
    t = np.arange(epochs + 1)
    for a0, name in ((-9.0, "a-9_b15"), (-10.1, "a-10.1_b15"), (-11.0, "a-11_b15")):
        s = 1 - np.exp(-t / 1500)
        wa = a0 + (2 - a0) * s + 0.3 * np.sin(t / 200)
        wb = 15 + (-3 - 15) * s
        frame = pd.DataFrame({"epoch": t, "w_a": wa, "w_b": wb, "cost": cost(wa, wb)})
        tracks.append(Track.from_frame(frame, name=name))
    return land, tracks


def seeds_way(
    land: Landscape, tracks: list[Track], frames: list[int], out: Path, same_content: bool
) -> float:
    """Render the frames with celluloid, redrawing everything per frame; return seconds."""
    start = time.perf_counter()
    mesh_a, mesh_b = land.mesh
    fig = plt.figure(figsize=(10, 10))
    ax = fig.add_subplot(111, projection="3d")
    ax.view_init(elev=30, azim=-10)
    ax.set_xlabel(land.label_a, fontsize=27, labelpad=17)
    ax.set_ylabel(land.label_b, fontsize=27, labelpad=5)
    ax.set_zlabel("costs", fontsize=27, labelpad=-35)
    ax.tick_params(axis="x", pad=12, which="major", labelsize=17)
    ax.tick_params(axis="y", pad=0, which="major", labelsize=17)
    ax.tick_params(axis="z", pad=8, which="major", labelsize=17)
    ax.set_zlim(*land.zrange)
    camera = Camera(fig)
    for i in frames:
        for j, track in enumerate(tracks):
            k = track.upto(i)
            ax.plot(
                track.w_a[:k],
                track.w_b[:k],
                track.cost[:k],
                linestyle=LINE_STYLES[j],
                linewidth=2,
                color="black",
                label=str(i),
            )
            if same_content:
                ax.plot(track.w_a[:1], track.w_b[:1], track.cost[:1], "o", color="black", ms=8)
                ax.plot(
                    track.w_a[k - 1 : k],
                    track.w_b[k - 1 : k],
                    track.cost[k - 1 : k],
                    "o",
                    color="black",
                    ms=15,
                )
            else:
                ax.scatter(
                    track.w_a, track.w_b, track.cost, marker="o", s=15**2, color="black", alpha=1.0
                )
        ax.plot_surface(
            mesh_a,
            mesh_b,
            land.z,
            cmap="terrain",
            antialiased=True,
            cstride=1,
            rstride=1,
            alpha=0.75,
        )
        ax.legend([f"epochs: {i}"], loc=(0.25, 0.8), fontsize=17)
        plt.tight_layout()
        camera.snap()
    animation = camera.animate(interval=100, repeat=False, repeat_delay=0)
    animation.save(str(out), writer=PillowWriter(fps=10), dpi=100)
    plt.close(fig)
    return time.perf_counter() - start


def our_way(land: Landscape, tracks: list[Track], out: Path) -> float:
    """Render the same frames with render_descent3d; return seconds."""
    start = time.perf_counter()
    render_descent3d(land, tracks, out, out.with_suffix(".png"), provenance='{"bench":1}')
    return time.perf_counter() - start


def main() -> None:
    """Time the three ways and print times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", help="grid Parquet file (default: synthetic 40x40)")
    parser.add_argument("--trajectories", nargs="*", help="trajectory Parquet files")
    parser.add_argument("--out", help="directory to keep the GIFs in")
    parser.add_argument("--skip-literal", action="store_true", help="skip the seeds' literal way")
    args = parser.parse_args()
    if args.grid:
        land = load_landscape(args.grid, pair="w2-5-250_w2-5-251")
        paths = args.trajectories or []
        tracks = load_tracks(paths, [Path(p).stem for p in paths])
    else:
        land, tracks = synthetic()
    frames = select_frames(DEFAULT_RENDER["descent3d"]["frames"], last_epoch(tracks), "descent3d")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench_render_"))
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"{len(frames)} frames, 1000x1000 px, grid {land.z.shape}, {len(tracks)} paths of "
        f"{[len(t.epoch) for t in tracks]} rows; GIFs in {out}"
    )
    ours = our_way(land, tracks, out / "ours.gif")
    print(f"ours (draw surface once, blit moving artists): {ours:7.2f} s")
    same = seeds_way(land, tracks, frames, out / "celluloid_same_content.gif", same_content=True)
    print(
        f"celluloid, same content as ours:               {same:7.2f} s  ratio {same / ours:5.1f}x"
    )
    if not args.skip_literal:
        literal = seeds_way(land, tracks, frames, out / "seeds_literal.gif", same_content=False)
        print(
            f"seeds' literal loop (celluloid + full scatter): {literal:7.2f} s  "
            f"ratio {literal / ours:5.1f}x"
        )


if __name__ == "__main__":
    main()
