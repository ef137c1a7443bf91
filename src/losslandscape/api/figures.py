"""The workflow's figures from data frames, to show in a notebook.

Every function takes pandas DataFrames as the workflow's Parquet files hold them: the file's
columns, and ``DataFrame.attrs`` = the file's metadata (``losslandscape.io.read_frame(path)``
with ``.attrs = losslandscape.io.read_metadata(path)``; the API's ``read(path)`` returns that, as
its compute functions do). Titles, axis labels and seeds come from the attrs, the look from
`options`: render-options sections as under the workflow config's ``render:`` key (defaults:
the workflow's, see ``losslandscape.render.options``). The figures are drawn by the code that
draws the workflow's files, so saving one with ``losslandscape.render.output.save_figure_png``
(and the file's provenance text) gives the workflow's PNG byte for byte.

Matplotlib figures are returned without pyplot (Jupyter shows them inline), animations as a
`GifAnimation` (shown inline as an <img>; ``.gif`` bytes, ``.save(path)``), the interactive
view as a plotly Figure. In the examples, ``read`` is the API's reader and the paths are the
workflow's result files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..network.names import NameError_, parse_start
from ..render.animation import ANIMATIONS, build_animation
from ..render.common import seed_n_title
from ..render.contour import build_contour
from ..render.curves import TRAINING_TITLE, build_line_plot, build_training_curves, line_plot_table
from ..render.data import (
    CriticalPoints,
    Landscape,
    PlanePath,
    Track,
    TrainingRecord,
    check_columns,
    plane_landscape,
)
from ..render.hessian import (
    SHARPNESS_TITLE,
    SharpnessRecord,
    SpectrumRecord,
    build_sharpness_plot,
    build_spectrum_plot,
    spectrum_title,
)
from ..render.interactive import build_interactive
from ..render.options import resolve_options
from ..render.output import GifAnimation
from ..render.planes import (
    build_plane_contour,
    build_plane_distance,
    centre_label,
    in_plane_offsets,
    plane_heading,
    plane_note,
)
from ..render.surfaces import build_surfaces

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

__all__ = [
    "GifAnimation",
    "contour_figure",
    "descent_animation",
    "interactive_figure",
    "line_figure",
    "plane_contour_figure",
    "plane_distance_figure",
    "sharpness_figure",
    "spectrum_figure",
    "surface_figure",
    "training_figure",
]

Options = Mapping[str, Any] | None
Frames = Mapping[str, "pd.DataFrame"]


# ---------------------------------------------------------------------- frames to figure inputs
def _attrs(frame: Any) -> dict[str, Any]:
    """A frame's metadata (its attrs; {} when it has none)."""
    return dict(getattr(frame, "attrs", None) or {})


def _int(meta: Mapping[str, Any], key: str) -> int | None:
    """meta[key] as int (None when absent)."""
    value = meta.get(key)
    return None if value is None else int(value)


def _named(frames: Frames | None, what: str) -> dict[str, Any]:
    """A mapping name -> frame as a dict; refuses an empty one or anything else."""
    if not isinstance(frames, Mapping):
        raise TypeError(f"{what} must be a mapping name -> DataFrame, got {type(frames).__name__}")
    if not frames:
        raise ValueError(f"{what} is empty")
    return {str(name): frame for name, frame in frames.items()}


def _landscape(grid: pd.DataFrame) -> Landscape:
    """A pair landscape's grid frame (w_a, w_b, cost), labelled by its attrs' pair, seed, n."""
    meta = _attrs(grid)
    pair = meta.get("pair")
    return Landscape.from_frame(
        grid, pair=None if pair is None else str(pair), seed=_int(meta, "seed"), n=_int(meta, "n")
    )


def _tracks(trajectories: Frames) -> list[Track]:
    """One Track per trajectory frame (epoch, w_a, w_b, cost), named by its key."""
    tracks = []
    for name, frame in _named(trajectories, "trajectories").items():
        try:
            tracks.append(Track.from_frame(frame, name=name, label=""))
        except ValueError as exc:
            raise ValueError(f"trajectory {name!r}: {exc}") from None
    return tracks


def _optimizer_of(name: str, frame: Any) -> str | None:
    """The optimizer of a trajectory: its attrs' optimizer, else its name unless that names a
    start (a-9_b15), else None."""
    optimizer = _attrs(frame).get("optimizer")
    if optimizer is not None:
        return str(optimizer)
    try:
        parse_start(name)
    except NameError_:
        return name
    return None


def _several_optimizers(trajectories: Frames) -> bool:
    """Whether the trajectories come from more than one optimizer (a comparison)."""
    named = _named(trajectories, "trajectories")
    found = {_optimizer_of(name, frame) for name, frame in named.items()}
    return len(found - {None}) > 1


def _style(trajectories: Frames, style: str | None) -> str:
    """`style`, else "optimizers" (a colour each) for several optimizers, "starts" otherwise."""
    if style is not None:
        return style
    return "optimizers" if _several_optimizers(trajectories) else "starts"


def _critical(critical: pd.DataFrame | None) -> CriticalPoints | None:
    """A critical-points frame as CriticalPoints (None stays None)."""
    return None if critical is None else CriticalPoints.from_frame(critical)


def _plane_paths(
    paths: Frames | None, require: tuple[str, ...] = (), why: str = ""
) -> list[PlanePath]:
    """One PlanePath per path frame, named by its key (the run)."""
    if paths is None:
        return []
    named = _named(paths, "paths")
    return [
        PlanePath.from_frame(frame, run, require, why, f"path frame of run {run!r}")
        for run, frame in named.items()
    ]


def _records(records: Frames, what: str) -> list[TrainingRecord]:
    """One TrainingRecord per training or held-out frame, named by its key (the run)."""
    named = _named(records, what)
    return [
        TrainingRecord.from_frame(frame, run, _attrs(frame), f"{what} frame of run {run!r}")
        for run, frame in named.items()
    ]


def _same_runs(first: Frames, second: Frames, what: str) -> dict[str, Any]:
    """`second` in the order of `first`'s runs; each run of `first` must be in `second`."""
    second = _named(second, what)
    missing = [run for run in first if run not in second]
    if missing:
        raise ValueError(f"{what} lacks the run(s) {', '.join(map(repr, missing))}")
    return {run: second[run] for run in first}


def _first_attrs(frames: Frames) -> dict[str, Any]:
    """The attrs of the first frame of a mapping (seed and n of a set of runs)."""
    return _attrs(next(iter(frames.values())))


# ---------------------------------------------------------------------- pair landscapes
def surface_figure(grid: pd.DataFrame, *, options: Options = None) -> Figure:
    """The 3D surface of one pair landscape, as the `surfaces` kind draws each N's panel.

    The workflow's surfaces.png holds one panel per N side by side; this is the panel of the
    grid's N alone (title: seed and N; axes: the pair's weights).

    Example:

        >>> grid = read("results/grids/1/10000/w2-5-250_w2-5-251.parquet")
        >>> surface_figure(grid, options={"surfaces": {"azims": [-30]}})
    """
    return build_surfaces([_landscape(grid)], options=options)


def contour_figure(
    grid: pd.DataFrame,
    trajectories: Frames,
    critical: pd.DataFrame | None = None,
    *,
    options: Options = None,
    style: str | None = None,
) -> Figure:
    """The filled contour plot with every trajectory and the critical points, as `contour`.

    `trajectories` maps a name to a trajectory frame (epoch, w_a, w_b, cost); start names
    (a-9_b15) are labelled as starts. `style` "starts" draws black line styles (the contour
    kind: one optimizer's starts), "optimizers" a colour per optimizer named by the keys;
    default: "optimizers" when the trajectories come from several optimizers.

    Example:

        >>> folder = "results/trajectories/1/10000/w2-5-250_w2-5-251/sgd"
        >>> runs = {s: read(f"{folder}/{s}.parquet") for s in ("a-9_b15", "a-10.1_b15")}
        >>> contour_figure(grid, runs, read("results/analysis/1/10000/"
        ...                "w2-5-250_w2-5-251/critical_points.parquet"))
    """
    return build_contour(
        _landscape(grid),
        _tracks(trajectories),
        style=_style(trajectories, style),
        options=options,
        critical=_critical(critical),
    )


def descent_animation(
    grid: pd.DataFrame,
    trajectories: Frames,
    kind: str = "3d",
    *,
    options: Options = None,
    style: str | None = None,
    provenance: str = "",
) -> GifAnimation:
    """The animated descent: paths growing on the surface ("3d") or on the contour above the
    cost per epoch ("2d"); a notebook shows the GIF inline.

    One optimizer's trajectories (several starts) are drawn as `descent3d`/`descent2d`, those
    of several optimizers (by their attrs' optimizer, else their names) as
    `compare3d`/`compare2d`, with that kind's options section and style (`style` overrides
    it). `provenance` is stored as the GIF's comment (the workflow stores how it was made).

    Example:

        >>> folder = "results/trajectories/1/10000/w2-5-250_w2-5-251"
        >>> runs = {o: read(f"{folder}/{o}/a-9_b15.parquet") for o in ("sgd", "adam")}
        >>> movie = descent_animation(grid, runs, "2d")
        >>> movie.save("compare2d.gif")
    """
    if kind not in ("3d", "2d"):
        raise ValueError(f"kind must be '3d' or '2d', got {kind!r}")
    name = ("compare" if _several_optimizers(trajectories) else "descent") + kind
    scene, default_style = ANIMATIONS[name]
    return build_animation(
        _landscape(grid),
        _tracks(trajectories),
        scene=scene,
        kind=name,
        style=default_style if style is None else style,
        options=options,
        provenance=provenance,
    )


def interactive_figure(
    grid: pd.DataFrame,
    trajectories: Frames,
    *,
    critical: pd.DataFrame | None = None,
    options: Options = None,
    style: str | None = None,
) -> go.Figure:
    """The interactive 3D view (German notebook): the surface with the optimizers' paths, an
    epoch slider and Play button, as the first figure of the `interactive` kind's page.

    `style` as contour_figure's (the workflow's page colours by optimizer); `critical` marks
    the critical points.

    Example:

        >>> folder = "results/trajectories/1/10000/w2-5-250_w2-5-251"
        >>> runs = {o: read(f"{folder}/{o}/a-9_b15.parquet") for o in ("sgd", "adam")}
        >>> interactive_figure(grid, runs, options={"interactive": {"width": 600}})
    """
    surface, _ = build_interactive(
        _landscape(grid),
        _tracks(trajectories),
        style=_style(trajectories, style),
        options=options,
        critical=_critical(critical),
    )
    return surface


# ---------------------------------------------------------------------- whole-network runs
def training_figure(
    records: Frames, heldout: Frames | None = None, *, options: Options = None
) -> Figure:
    """Cost and accuracy per epoch of every training run (held-out ones dashed), as
    `training_curves`; runs in the order of `records`, one colour per optimizer.

    Example:

        >>> folder = "results/training/1/30"
        >>> runs = {r: read(f"{folder}/{r}.parquet") for r in ("sgd", "adam")}
        >>> held = {r: read(f"{folder}/{r}_heldout.parquet") for r in runs}
        >>> training_figure(runs, held)
    """
    runs = _records(records, "training record")
    held = None
    if heldout is not None:
        held = _records(_same_runs(records, heldout, "heldout"), "held-out record")
    meta = _first_attrs(records)
    title = seed_n_title(_int(meta, "seed"), _int(meta, "n"), TRAINING_TITLE)
    return build_training_curves(runs, heldout=held, options=options, title=title)


def _plane_grid(plane_grid: pd.DataFrame) -> tuple[Landscape, Landscape]:
    """A plane grid frame's J and accuracy as Landscapes (seed and N from its attrs)."""
    meta = _attrs(plane_grid)
    seed, n = _int(meta, "seed"), _int(meta, "n")
    cost = plane_landscape(plane_grid, "cost", seed, n, "plane grid frame")
    return cost, plane_landscape(plane_grid, "accuracy", seed, n, "plane grid frame")


def plane_contour_figure(
    plane_grid: pd.DataFrame,
    paths: Frames | None = None,
    critical: pd.DataFrame | None = None,
    *,
    options: Options = None,
) -> Figure:
    """Filled contours of J and accuracy on a plane through all weights, each run's projected
    path on both and the critical points on J, as `plane_contour`.

    `paths` maps a run to its path frame (epoch, alpha, beta, cost); the title gives the
    plane and what its directions are (from the grid's attrs).

    Example:

        >>> folder = "results/planes/1/30/sgd-pca"
        >>> paths = {r: read(f"{folder}/path_{r}.parquet") for r in ("sgd", "adam")}
        >>> plane_contour_figure(read(f"{folder}/grid.parquet"), paths,
        ...                      read(f"{folder}/critical_points.parquet"))
    """
    meta = _attrs(plane_grid)
    cost, accuracy = _plane_grid(plane_grid)
    plane = meta.get("plane")
    styles = resolve_options(options)["styles"]
    return build_plane_contour(
        cost,
        accuracy,
        _plane_paths(paths),
        options=options,
        title=plane_heading(cost.seed, cost.n, plane, plane_note(meta.get("directions") or {})),
        centre=centre_label(plane, styles),
        critical=_critical(critical),
    )


def plane_distance_figure(
    paths: Frames,
    plane_grid: pd.DataFrame | None = None,
    *,
    directions: pd.DataFrame | None = None,
    options: Options = None,
) -> Figure:
    """How far each run's snapshots lie from a plane, and their true J beside J at the
    projected point, as `plane_distance`.

    Path frames need plane_cost and distance. The title's plane, seed and N come from
    `plane_grid`'s attrs (else `directions`', else the first path's) and its note on the
    directions from `plane_grid` or `directions`. The workflow also draws each snapshot's
    offset within the plane (dotted), which needs the plane's `directions` frame (d1, d2).

    Example:

        >>> folder = "results/planes/1/30/sgd-pca"
        >>> paths = {r: read(f"{folder}/path_{r}.parquet") for r in ("sgd", "adam")}
        >>> plane_distance_figure(paths, read(f"{folder}/grid.parquet"),
        ...                       directions=read(f"{folder}/directions.parquet"))
    """
    why = "plane_distance draws the distance from the plane and J at the projection"
    runs = _plane_paths(_named(paths, "paths"), ("plane_cost", "distance"), why)
    heads = [x for x in (plane_grid, directions) if x is not None] + [next(iter(paths.values()))]
    meta = _attrs(heads[0])
    if plane_grid is not None:
        note = plane_note(meta.get("directions") or {})
    else:
        note = plane_note(_attrs(directions)) if directions is not None else ""
    vectors = None
    if directions is not None:
        check_columns(list(directions.columns), ("d1", "d2"), "directions frame")
        d1, d2 = (directions[c].to_numpy(dtype=np.float64) for c in ("d1", "d2"))
        vectors = (d1, d2)
    return build_plane_distance(
        runs,
        in_plane=in_plane_offsets(vectors, runs),
        options=options,
        title=plane_heading(_int(meta, "seed"), _int(meta, "n"), meta.get("plane"), note),
    )


def line_figure(line: pd.DataFrame, *, name: str | None = None, options: Options = None) -> Figure:
    """J and accuracy along a line through all weights (held-out ones dashed when the frame
    has heldout_cost and heldout_accuracy), its ends t = 0 and t = 1 named, as `line_plot`.

    The line's name (e.g. init_sgd, sgd-random0) is attrs["line"] unless `name` is given.

    Example:

        >>> line_figure(read("results/lines/1/30/init_sgd.parquet"))
    """
    meta = _attrs(line)
    label = name if name is not None else meta.get("line")
    if label is None:
        raise ValueError("line_figure needs the line's name: attrs['line'] or name=")
    styles = resolve_options(options)["styles"]
    args, keywords = line_plot_table(
        line, str(label), styles, seed=_int(meta, "seed"), n=_int(meta, "n"), what="line frame"
    )
    return build_line_plot(*args, options=options, **keywords)


def sharpness_figure(sharpness: Frames, records: Frames, *, options: Options = None) -> Figure:
    """Each run's largest Hessian eigenvalues against its stability threshold (attrs
    threshold) above its training cost, as `sharpness_plot`; runs in the order of `sharpness`.

    Example:

        >>> folder = "results/training/1/30"
        >>> sharp = {r: read(f"{folder}/{r}_sharpness.parquet") for r in ("sgd", "adam")}
        >>> sharpness_figure(sharp, {r: read(f"{folder}/{r}.parquet") for r in sharp})
    """
    named = _named(sharpness, "sharpness")
    runs = [
        SharpnessRecord.from_frame(frame, run, _attrs(frame), f"sharpness frame of run {run!r}")
        for run, frame in named.items()
    ]
    training = _records(_same_runs(named, records, "records"), "training record")
    meta = _first_attrs(named)
    title = seed_n_title(_int(meta, "seed"), _int(meta, "n"), SHARPNESS_TITLE)
    return build_sharpness_plot(runs, training, options=options, title=title)


def spectrum_figure(
    spectrum: pd.DataFrame, *, run: str | None = None, options: Options = None
) -> Figure:
    """The Hessian's eigenvalue density at each snapshot of one run (traces in the legend),
    as `spectrum_plot`; attrs["spectrum"] lists the snapshots (epoch, trace, trace_stderr).

    The run's name is `run`, else the one of attrs["run"].

    Example:

        >>> spectrum_figure(read("results/training/1/30/sgd_spectrum.parquet"))
    """
    meta = _attrs(spectrum)
    if not meta.get("spectrum"):
        raise ValueError(
            "spectrum frame lacks attrs['spectrum'] (each snapshot's epoch, trace and "
            "trace_stderr, from the spectrum file's metadata)"
        )
    if run is None:
        about = meta.get("run")
        run = str(about.get("run", "")) if isinstance(about, Mapping) else str(about or "")
    record = SpectrumRecord.from_frame(spectrum, meta, "spectrum frame")
    title = seed_n_title(_int(meta, "seed"), _int(meta, "n"), spectrum_title(run, meta))
    return build_spectrum_plot(record, options=options, title=title)
