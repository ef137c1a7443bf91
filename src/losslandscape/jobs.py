"""The workflow's jobs: load the inputs, compute, log, write one result with its provenance.

Every rule of the workflow runs one function of this module: `script:` rules through
`run_rule(snakemake)` (scripts/job.py), the trajectory rule through the command line
(`python -m losslandscape trajectory`, losslandscape.cli). The job functions take plain values
and specs, so tests call them directly; only `run_rule` knows Snakemake's object.

Every job that reads MNIST first checks the files' canonical MD5, so a damaged file stops the job
instead of silently changing results. BLAS threads: a job started outside Snakemake gets one
(set before numpy loads); inside, Snakemake sets OPENBLAS_NUM_THREADS to the job's `threads`,
which the pair-landscape jobs keep (their results were made so; see the README's note on BLAS
threads) and the whole-network functions override with one (losslandscape.wholenet).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from . import __version__, paths  # noqa: E402
from .engine import PairSlice  # noqa: E402
from .idx import load_split  # noqa: E402
from .io import write_table  # noqa: E402
from .mnist import CANONICAL_MD5, verify  # noqa: E402
from .names import parse_pair  # noqa: E402
from .network import init_weights  # noqa: E402
from .specs import GridSpec, LandscapeSpec, NetworkSpec, OptimizerSpec  # noqa: E402
from .surface import (  # noqa: E402
    PAIR_COORDINATES,
    PLANE_COORDINATES,
    GridDerivatives,
    Surface,
)

log = logging.getLogger("losslandscape")

#: |grad J| a refined critical point must reach.
CRITICAL_TOL = 1e-10
#: Columns of plateaus.parquet.
PLATEAU_COLUMNS = [*PAIR_COORDINATES, "grad_norm", "plateau"]


# ---------------------------------------------------------------------- shared steps
@contextlib.contextmanager
def job_log(path: str | None, what: str) -> Iterator[logging.Logger]:
    """Send log records and warnings to the job's log file (stderr when None) for the block.

    An exception is logged with its traceback, then raised again so that the job fails.
    """
    handler: logging.Handler
    handler = (
        logging.FileHandler(path, mode="w", encoding="utf-8") if path else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        yield log
    except BaseException:
        log.exception("%s job failed", what)
        raise
    finally:
        root.removeHandler(handler)
        handler.close()


def load_data(images: str, labels: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first n samples (inputs, one-hot targets), after checking both files' canonical MD5."""
    verify(images)
    verify(labels)
    return load_split(images, labels, n)


def provenance(images: str, labels: str, **params: Any) -> dict[str, Any]:
    """A result's metadata: its parameters, the MNIST files' canonical MD5s, the package version."""
    files = [os.path.basename(images), os.path.basename(labels)]
    return {
        **params,
        "mnist_md5": {name: CANONICAL_MD5[name] for name in files},
        "losslandscape_version": __version__,
    }


def make_slice(images: str, labels: str, landscape: LandscapeSpec, threads: int = 1) -> PairSlice:
    """The frozen network and data of one landscape."""
    x, y = load_data(images, labels, landscape.n)
    wa, wb = parse_pair(landscape.pair)
    weights = init_weights(landscape.seed, list(landscape.hidden))
    return PairSlice(weights, x, y, wa, wb, threads=threads)


def _grid_columns(grid: GridSpec, names: tuple[str, str] = PAIR_COORDINATES) -> dict[str, Any]:
    """Both coordinates of every grid point in numpy.meshgrid ravel order (the first fastest)."""
    m1, m2 = np.meshgrid(*grid.axes())
    return {names[0]: m1.ravel(), names[1]: m2.ravel()}


# ---------------------------------------------------------------------- landscapes
def grid_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    grid: GridSpec,
    threads: int = 1,
) -> np.ndarray:
    """Compute J on every grid point of one landscape -> results/grids/{seed}/{n}/{pair}.parquet."""
    t0 = time.perf_counter()
    sl = make_slice(images, labels, landscape, threads)
    g = sl.groups
    log.info(
        "grid %s %dx%d; samples: %d constant, %d only w_a, %d only w_b, %d both",
        landscape, grid.resolution, grid.resolution,
        len(g.none), len(g.only_a), len(g.only_b), len(g.both),
    )  # fmt: skip
    cost = sl.grid(*grid.axes())
    meta = provenance(images, labels, kind="grid", **landscape.meta(), **grid.meta())
    write_table(output, {**_grid_columns(grid), "cost": cost}, meta)
    log.info("wrote %s in %.2f s", output, time.perf_counter() - t0)
    return cost


def trajectory_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    optimizer: OptimizerSpec,
    start: tuple[float, float],
    epochs: int,
) -> None:
    """Train the pair's two weights from `start` -> the trajectory's Parquet file.

    A diverging run is recorded, not raised: the file ends at that epoch and its metadata says
    `diverged_at_epoch`.
    """
    from .trajectory import run_trajectory

    t0 = time.perf_counter()
    sl = make_slice(images, labels, landscape)
    traj = run_trajectory(sl, optimizer.name, optimizer.constants, start, epochs)
    meta = provenance(
        images, labels, kind="trajectory", **landscape.meta(), **optimizer.meta(),
        start=list(start), epochs=epochs, diverged_at_epoch=traj.diverged_at,
    )  # fmt: skip
    if traj.diverged_at is not None:
        log.warning(
            "trajectory diverged at epoch %d (non-finite weight, cost or gradient); "
            "the file ends there and its metadata says diverged_at_epoch=%d",
            traj.diverged_at, traj.diverged_at,
        )  # fmt: skip
    first, second = sl.coordinates
    columns = {"epoch": traj.epoch, first: traj.a, second: traj.b, "cost": traj.cost}
    write_table(output, columns, meta)
    log.info("wrote %s (%d rows) in %.2f s", output, len(traj.epoch), time.perf_counter() - t0)


# ---------------------------------------------------------------------- analysis
def critical_points_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    grid: GridSpec,
    threads: int = 1,
) -> Any:
    """Critical points of one landscape, classified -> critical_points.parquet (sorted by cost).

    Seeded on the landscape's own grid, where J, its gradient and Hessian are computed exactly
    (not read from the grid file), then refined to |grad J| < CRITICAL_TOL.
    """
    surface = make_slice(images, labels, landscape, threads)
    return _critical_points(surface, grid, output, images, labels, landscape.meta())


def plateaus_job(
    images: str,
    labels: str,
    output: str,
    landscape: LandscapeSpec,
    grid: GridSpec,
    threshold: float,
    threads: int = 1,
) -> float:
    """|grad J| on the landscape's grid and where it is below `threshold` -> plateaus.parquet.

    Rows in the grid file's order; returns the plateau share.
    """
    surface = make_slice(images, labels, landscape, threads)
    grad_norm = surface.grid_derivatives(*grid.axes(), hessian=False).grad_norm
    where = landscape.meta()
    return _plateaus(grad_norm, PAIR_COORDINATES, grid, threshold, output, images, labels, where)


def _critical_points(
    surface: Surface,
    grid: GridSpec,
    output: str,
    images: str,
    labels: str,
    where: dict[str, Any],
    derivatives: GridDerivatives | None = None,
) -> Any:
    """Critical points of a surface on `grid` -> output; `where` names the landscape or plane.

    `derivatives`: J and its gradient on the grid when already computed (else the surface's).
    """
    from .analysis import critical_points
    from .summary import kind_counts

    t0 = time.perf_counter()
    frame = critical_points(surface, *grid.axes(), tol=CRITICAL_TOL, derivatives=derivatives)
    counts = kind_counts(frame)
    meta = provenance(images, labels, kind="critical_points", **where, **grid.meta(),
                      tol=CRITICAL_TOL, counts=counts)  # fmt: skip
    write_table(output, {c: frame[c].to_numpy() for c in frame.columns}, meta)
    log.info("critical points %s: %s; wrote %s in %.2f s",
             where, counts, output, time.perf_counter() - t0)  # fmt: skip
    return frame


def _plateaus(
    grad_norm: np.ndarray,
    coordinates: tuple[str, str],
    grid: GridSpec,
    threshold: float,
    output: str,
    images: str,
    labels: str,
    where: dict[str, Any],
) -> float:
    """|grad J| on `grid` (raveled, first coordinate fastest) and where it is below `threshold`
    -> output, the grid's points named by `coordinates`."""
    from .analysis import plateau_mask, plateau_share

    t0 = time.perf_counter()
    mask = plateau_mask(grad_norm, threshold)
    share = plateau_share(mask)
    meta = provenance(images, labels, kind="plateaus", **where, **grid.meta(),
                      threshold=threshold, plateau_share=share)  # fmt: skip
    columns = {**_grid_columns(grid, coordinates), "grad_norm": grad_norm, "plateau": mask}
    write_table(output, columns, meta)
    log.info("plateaus %s: |grad J| < %g on %.1f%% of the grid; wrote %s in %.2f s",
             where, threshold, 100 * share, output, time.perf_counter() - t0)  # fmt: skip
    return share


def basins_job(
    images: str,
    labels: str,
    critical: str,
    output: str,
    landscape: LandscapeSpec,
    starts: GridSpec,
    optimizer: OptimizerSpec,
    epochs: int,
    threads: int = 1,
) -> Any:
    """Run `optimizer` from every start of the `starts` grid -> basins_{optimizer}.parquet.

    `minimum` is the row number in `critical` (critical_points.parquet) of the minimum a start
    ends within one start-grid step of, -1 if none (or diverged).
    """
    from .analysis import basins
    from .io import read_frame

    t0 = time.perf_counter()
    sl = make_slice(images, labels, landscape, threads)
    a_values, b_values = starts.axes()
    points = read_frame(critical).reset_index(drop=True)
    frame = basins(
        sl, optimizer.name, optimizer.constants, a_values, b_values, epochs, points,
        threads=threads,
    )  # fmt: skip
    reached = frame["minimum"].to_numpy()
    diverged = frame["diverged"].to_numpy()
    shares = {str(k): float(np.mean(reached == k)) for k in sorted(set(reached.tolist()) - {-1})}
    meta = provenance(
        images, labels, kind="basins", **landscape.meta(), **starts.meta(), **optimizer.meta(),
        epochs=epochs, minimum_shares=shares, diverged_share=float(np.mean(diverged)),
        match_tol=float(max(np.max(np.diff(a_values)), np.max(np.diff(b_values)))),
    )  # fmt: skip
    write_table(output, {c: frame[c].to_numpy() for c in frame.columns}, meta)
    log.info(
        "basins %s %s, %dx%d starts x %d epochs: shares per minimum %s, diverged %d; "
        "wrote %s in %.2f s",
        landscape, optimizer.name, starts.resolution, starts.resolution, epochs, shares,
        int(diverged.sum()), output, time.perf_counter() - t0,
    )  # fmt: skip
    return frame


def summary_job(
    grids: Sequence[str],
    critical: Sequence[str],
    plateaus: Sequence[str],
    trajectories: Sequence[str],
    basin_maps: Sequence[str],
    parquet: str,
    csv: str,
) -> Any:
    """One row per landscape -> results/analysis/summary.parquet and summary.csv."""
    import pyarrow as pa

    from .io import atomic_path, write_arrow
    from .summary import summary_frame

    t0 = time.perf_counter()
    frame, meta = summary_frame(grids, critical, plateaus, trajectories, basin_maps)
    meta["losslandscape_version"] = __version__
    # pandas' own metadata (column dtypes: a null `_minimum` reads back as Int64) is kept
    write_arrow(parquet, pa.Table.from_pandas(frame, preserve_index=False), meta)
    with atomic_path(csv) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")
    log.info("summary of %d landscapes, %d columns: wrote %s and %s in %.2f s",
             len(frame), frame.shape[1], parquet, os.path.basename(csv),
             time.perf_counter() - t0)  # fmt: skip
    return frame


# ---------------------------------------------------------------------- whole network
def _anchor(network: NetworkSpec, snapshots: str | None) -> np.ndarray:
    """All weights of `init` (snapshots None) or of a run's final state (its last snapshot)."""
    from .io import read_rows
    from .wholenet import flatten

    if snapshots is None:
        return flatten(init_weights(network.seed, list(network.hidden)))
    return read_rows(snapshots, "theta")[-1]


def _run_meta(snapshots: str | None) -> dict[str, Any] | None:
    """What a run's snapshots file says about the run (None for `init`)."""
    from .io import read_metadata

    if snapshots is None:
        return None
    meta = read_metadata(snapshots)
    keys = ("run", "optimizer", "constants", "epochs", "snapshots", "diverged_at_epoch")
    return {key: meta[key] for key in keys}


def train_job(
    images: str,
    labels: str,
    output: str,
    snapshots_output: str,
    network: NetworkSpec,
    optimizer: OptimizerSpec,
    epochs: int,
    snapshots: int,
) -> None:
    """Train every weight from the seed's network -> {run}.parquet and {run}_snapshots.parquet.

    A diverging run is recorded, not raised: both files end at that epoch and their metadata
    says `diverged_at_epoch`.
    """
    from .io import to_arrow_rows
    from .wholenet import flatten, snapshot_epochs, train, weight_names

    t0 = time.perf_counter()
    x, y = load_data(images, labels, network.n)
    hidden = list(network.hidden)
    theta0 = flatten(init_weights(network.seed, hidden))
    run = train(theta0, x, y, hidden, optimizer.name, optimizer.constants, epochs,
                snapshot_epochs(epochs, snapshots))  # fmt: skip
    meta = provenance(
        images, labels, kind="training", **network.meta(), run=optimizer.name,
        **optimizer.meta(), epochs=epochs, snapshots=snapshots,
        diverged_at_epoch=run.diverged_at,
    )  # fmt: skip
    if run.diverged_at is not None:
        log.warning("training diverged at epoch %d; the files end there", run.diverged_at)
    write_table(output, {"epoch": run.epoch, "cost": run.cost, "accuracy": run.accuracy}, meta)
    rows = {"epoch": run.snapshot_epochs, "theta": to_arrow_rows(run.snapshots)}
    weights = len(weight_names(hidden))
    write_table(snapshots_output, rows, {**meta, "weights": weights}, plain=["theta"])
    log.info("training %s %s: %d epochs, final J %.6g, accuracy %.4f; wrote %s in %.2f s",
             network, optimizer.name, len(run.epoch) - 1, run.cost[-1], run.accuracy[-1],
             output, time.perf_counter() - t0)  # fmt: skip


def directions_job(
    images: str,
    labels: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    centre_snapshots: str | None,
) -> None:
    """The two directions of a plane and its centre -> directions.parquet.

    `centre_snapshots` is the centre run's snapshots file (None for `init`): its last row is the
    centre, and all its rows are the data of kinds that need a run (pca). The directions come
    from the plane's kind (losslandscape.directions); what it reports (the PCA's explained
    variance ratios, the Hessian's eigenvalues) goes into the metadata.
    """
    from .directions import DIRECTION_KINDS, DirectionInputs
    from .io import read_rows
    from .names import parse_plane
    from .wholenet import weight_names

    t0 = time.perf_counter()
    verify(images)  # an input of every directions job, read only by some kinds: checked always
    verify(labels)
    spec = parse_plane(plane)
    kind = DIRECTION_KINDS[spec.kind]
    hidden = list(network.hidden)
    centre = _anchor(network, centre_snapshots)
    if kind.needs_run and centre_snapshots is None:
        raise ValueError(f"plane {plane}: {kind.name} directions need a training run as centre")

    def snapshots() -> np.ndarray:
        """The centre run's snapshots, read when the kind asks for them."""
        if centre_snapshots is None:
            raise ValueError(f"plane {plane}: the centre `init` has no snapshots")
        return read_rows(centre_snapshots, "theta")

    inputs = DirectionInputs(  # MNIST verified above
        centre, hidden, spec.k, snapshots, lambda: load_split(images, labels, network.n)
    )
    if not np.all(np.isfinite(centre)):
        raise ValueError(f"plane {plane}: the centre has non-finite weights (a diverged run?)")
    d1, d2, extra = kind.make(inputs)
    meta = provenance(
        images, labels, kind="directions", **network.meta(), plane=plane,
        centre=spec.centre, directions=spec.kind, k=spec.k,
        centre_run=_run_meta(centre_snapshots), **extra,
    )  # fmt: skip
    names = np.array(weight_names(hidden), dtype=object)
    columns = {"weight": names, "centre": centre, "d1": d1, "d2": d2}
    write_table(output, columns, meta, plain=list(columns))
    log.info("directions %s %s %s; wrote %s in %.2f s",
             network, plane, extra, output, time.perf_counter() - t0)  # fmt: skip


#: Metadata keys every whole-network file has; the rest of a directions file's is the plane's own.
_NETWORK_META = {
    "kind", "seed", "n", "hidden", "split", "plane", "mnist_md5", "losslandscape_version",
}  # fmt: skip


def _directions_meta(path: str) -> dict[str, Any]:
    """What a directions file says about its plane besides the network (kind, centre run,
    explained variance or eigenvalues): recorded in every file computed on the plane."""
    from .io import read_metadata

    return {k: v for k, v in read_metadata(path).items() if k not in _NETWORK_META}


def _directions(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """centre, d1, d2 of a directions file."""
    from .io import read_parquet

    table = read_parquet(path, ["centre", "d1", "d2"])
    return tuple(table.column(c).to_numpy() for c in ("centre", "d1", "d2"))  # type: ignore[return-value]


def plane_grid_job(
    images: str,
    labels: str,
    directions: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    grid: GridSpec,
    threads: int = 1,
) -> None:
    """J and accuracy on the plane's (alpha, beta) grid -> grid.parquet (alpha fastest)."""
    t0 = time.perf_counter()
    surface = make_plane(images, labels, directions, network, threads)
    cost, accuracy = surface.grid_values(*grid.axes())
    meta = provenance(
        images, labels, kind="plane_grid", **network.meta(), plane=plane, **grid.meta(),
        directions=_directions_meta(directions),
    )  # fmt: skip
    columns = {**_grid_columns(grid, PLANE_COORDINATES), "cost": cost, "accuracy": accuracy}
    write_table(output, columns, meta)
    log.info("plane grid %s %s %dx%d; wrote %s in %.2f s", network, plane, grid.resolution,
             grid.resolution, output, time.perf_counter() - t0)  # fmt: skip


def plane_path_job(
    images: str,
    labels: str,
    directions: str,
    snapshots: str,
    training: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    run: str,
) -> None:
    """Every snapshot of a run projected onto the plane -> path_{run}.parquet.

    Per snapshot: least-squares (alpha, beta), the true J of the snapshot (the run's own record
    of that epoch, from the same forward pass), J at the projected point, and the snapshot's
    distance from the plane (how far the drawn path can be trusted).
    """
    from .io import read_parquet, read_rows
    from .wholenet import project

    t0 = time.perf_counter()
    surface = make_plane(images, labels, directions, network)
    thetas = read_rows(snapshots, "theta")
    epochs = read_parquet(snapshots, ["epoch"]).column("epoch").to_numpy()
    record = read_parquet(training, ["epoch", "cost"])
    cost = record.column("cost").to_numpy()[epochs]  # row k of a training file is epoch k
    alpha, beta, distance = project(thetas, surface.centre, surface.d1, surface.d2)
    plane_cost, _ = surface.values(alpha, beta)  # J at centre + alpha d1 + beta d2
    meta = provenance(
        images, labels, kind="plane_path", **network.meta(), plane=plane,
        run=_run_meta(snapshots),
    )  # fmt: skip
    columns = {
        "epoch": epochs.astype(np.int64), "alpha": alpha, "beta": beta, "cost": cost,
        "plane_cost": plane_cost, "distance": distance,
    }  # fmt: skip
    write_table(output, columns, meta)
    log.info("path of %s on %s %s: largest distance from the plane %.4g; wrote %s in %.2f s",
             run, network, plane, float(np.max(distance)), output,
             time.perf_counter() - t0)  # fmt: skip


def make_plane(
    images: str, labels: str, directions: str, network: NetworkSpec, threads: int = 1
) -> Any:
    """The plane of a directions file through the network's first N samples, as a Surface."""
    from .plane import PlaneSurface

    x, y = load_data(images, labels, network.n)
    centre, d1, d2 = _directions(directions)
    return PlaneSurface(centre, d1, d2, x, y, list(network.hidden), threads=threads)


#: Columns of a plane's gradient.parquet after its coordinates.
GRADIENT_COLUMNS = ["cost", "grad_alpha", "grad_beta"]


def plane_gradient_job(
    images: str,
    labels: str,
    directions: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    grid: GridSpec,
    threads: int = 1,
) -> None:
    """J and its exact gradient in (alpha, beta) on the plane's grid -> gradient.parquet.

    One backward pass per grid point (losslandscape.plane); what the plane's critical points
    and plateau map both start from, computed once.
    """
    t0 = time.perf_counter()
    surface = make_plane(images, labels, directions, network, threads)
    d = surface.grid_derivatives(*grid.axes(), hessian=False)
    meta = provenance(
        images, labels, kind="plane_gradient", **network.meta(), plane=plane, **grid.meta(),
        directions=_directions_meta(directions),
    )  # fmt: skip
    values = dict(zip(GRADIENT_COLUMNS, (d.cost, d.grad[:, 0], d.grad[:, 1]), strict=True))
    write_table(output, {**_grid_columns(grid, PLANE_COORDINATES), **values}, meta)
    log.info("plane gradient %s %s %dx%d: largest |grad J| %.4g; wrote %s in %.2f s",
             network, plane, grid.resolution, grid.resolution, float(np.max(d.grad_norm)),
             output, time.perf_counter() - t0)  # fmt: skip


def read_gradient(path: str, grid: GridSpec) -> GridDerivatives:
    """A plane's gradient.parquet as GridDerivatives (no Hessian), checked to be on `grid`.

    A file of another grid (its metadata's a, b, resolution) is refused rather than misread.
    """
    from .io import read_metadata, read_parquet

    meta = read_metadata(path)
    made_on = {key: meta.get(key) for key in ("a", "b", "resolution")}
    if made_on != grid.meta():
        raise ValueError(f"{path} was computed on the grid {made_on}, not {grid.meta()}")
    table = read_parquet(path, GRADIENT_COLUMNS)
    cost, ga, gb = (table.column(c).to_numpy() for c in GRADIENT_COLUMNS)
    shape = (grid.resolution, grid.resolution)
    return GridDerivatives(cost, np.stack([ga, gb], axis=-1), None, shape)


def plane_critical_points_job(
    images: str,
    labels: str,
    directions: str,
    gradient: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    grid: GridSpec,
    threads: int = 1,
) -> Any:
    """Critical points of a plane in (alpha, beta), classified -> critical_points.parquet.

    The same analysis as a landscape's: seeded on the plane's grid from the exact gradient
    (`gradient`, the plane's gradient.parquet), refined with the exact Hessian to
    |grad J| < CRITICAL_TOL.
    """
    surface = make_plane(images, labels, directions, network, threads)
    where = {**network.meta(), "plane": plane, "directions": _directions_meta(directions)}
    seeds = read_gradient(gradient, grid)
    return _critical_points(surface, grid, output, images, labels, where, derivatives=seeds)


def plane_plateaus_job(
    images: str,
    labels: str,
    directions: str,
    gradient: str,
    output: str,
    network: NetworkSpec,
    plane: str,
    grid: GridSpec,
    threshold: float,
) -> float:
    """|grad J| in (alpha, beta) on the plane's grid (from gradient.parquet) and where it is
    below `threshold` -> plateaus.parquet."""
    grad_norm = read_gradient(gradient, grid).grad_norm
    where = {**network.meta(), "plane": plane, "directions": _directions_meta(directions)}
    return _plateaus(grad_norm, PLANE_COORDINATES, grid, threshold, output, images, labels, where)


def line_job(
    images: str,
    labels: str,
    output: str,
    network: NetworkSpec,
    line: str,
    start_snapshots: str | None,
    end_snapshots: str | None,
    t: tuple[float, float],
    points: int,
    threads: int = 1,
) -> None:
    """J and accuracy along (1 - t) theta_from + t theta_to -> results/lines/.../{line}.parquet."""
    from .wholenet import line_costs

    t0 = time.perf_counter()
    x, y = load_data(images, labels, network.n)
    start = _anchor(network, start_snapshots)
    end = _anchor(network, end_snapshots)
    if not (np.all(np.isfinite(start)) and np.all(np.isfinite(end))):
        raise ValueError(f"line {line}: an end has non-finite weights (a diverged run?)")
    ts = np.linspace(t[0], t[1], points)
    cost, accuracy = line_costs(start, end, ts, x, y, list(network.hidden), threads=threads)
    meta = provenance(
        images, labels, kind="line", **network.meta(), line=line, t=list(t), points=points,
        start_run=_run_meta(start_snapshots), end_run=_run_meta(end_snapshots),
    )  # fmt: skip
    write_table(output, {"t": ts, "cost": cost, "accuracy": accuracy}, meta)
    log.info("line %s %s, %d points; wrote %s in %.2f s", network, line, points, output,
             time.perf_counter() - t0)  # fmt: skip


# ---------------------------------------------------------------------- downloads
def download_job(output: str, mirrors: Sequence[str]) -> None:
    """Fetch one canonical MNIST file into its folder, checksum-verified, from the mirrors.

    MNIST_MIRROR from the environment, when set, is tried first.
    """
    from pathlib import Path

    from .mnist import fetch, mirror_list

    target = Path(output)
    tried = mirror_list(mirrors, os.environ)
    log.info("fetching %s into %s; mirrors in order: %s", target.name, target.parent, tried)
    path = fetch(target.name, tried, target.parent)
    log.info("done: %s", path)


# ---------------------------------------------------------------------- gallery sweep
def gallery_browser_job(
    summary: str,
    output: str,
    sheet: Mapping[str, Any],
    seeds: Sequence[int],
    provenance_text: str = "",
) -> None:
    """The sweep browser: every landscape of the gallery summary as a row -> index.html.

    Each row links its rotating GIF (still as thumbnail), grid, critical points and the
    contact-sheet page that shows it (same page rule as the sheets: losslandscape.sweep).
    """
    from .io import read_parquet
    from .render.browser import BrowserRow, write_browser
    from .render.registry import REGISTRY
    from .render.surfaces import gallery_orders
    from .sweep import page_of

    table = read_parquet(summary)
    columns = list(table.column_names)
    records = table.to_pylist()
    base = os.path.dirname(output) or "."

    def rel(path: str) -> str:
        return os.path.relpath(path, start=base).replace(os.sep, "/")

    combos = list(dict.fromkeys((int(r["n"]), str(r["pair"])) for r in records))
    orders = gallery_orders(seeds, sheet, summary, combos)
    pages = {combo: page_of(order, int(sheet["per_page"])) for combo, order in orders.items()}
    rotation = REGISTRY["rotation"].outputs()
    sheet_png = REGISTRY["contact_sheet"].outputs()["png"]
    rows = []
    for record in records:
        key = {"seed": int(record["seed"]), "n": int(record["n"]), "pair": str(record["pair"])}
        combo = (key["n"], key["pair"])
        links = [
            ("rotation", rel(rotation["gif"].format(**key))),
            ("grid", rel(paths.GRID.format(**key))),
            ("critical points", rel(paths.CRITICAL_POINTS.format(**key))),
            ("plateaus", rel(paths.PLATEAUS.format(**key))),
        ]
        if key["seed"] in pages[combo]:
            page = pages[combo][key["seed"]]
            links.append((f"sheet {page}", rel(sheet_png.format(page=page, **key))))
        rows.append(BrowserRow(record, rel(rotation["png"].format(**key)), links))
    write_browser(output, columns, rows, title=f"Gallery sweep: {len(rows)} landscapes",
                  provenance=provenance_text)  # fmt: skip
    log.info("wrote %s (%d landscapes, %d columns)", output, len(rows), len(columns))


# ---------------------------------------------------------------------- plotly.js
def plotly_js_job(output: str) -> None:
    """The one offline copy of plotly.js that the results' interactive pages load."""
    from plotly.offline import get_plotlyjs

    from .io import write_text

    write_text(output, get_plotlyjs())
    log.info("wrote %s (plotly.js of the installed plotly)", output)


def report_page_job(page: str, plotly_js: str, output: str) -> None:
    """A self-contained copy of an interactive page (plotly.js inline), for the report."""
    from pathlib import Path

    from .io import write_text
    from .render.interactive import inline_plotly, plotly_url

    url = plotly_url(plotly_js, page)
    assert url is not None
    text = inline_plotly(Path(page).read_text(encoding="utf-8"), url,
                         Path(plotly_js).read_text(encoding="utf-8"))  # fmt: skip
    write_text(output, text)
    log.info("wrote %s (%s with plotly.js inline)", output, page)


# ---------------------------------------------------------------------- Snakemake adapter
def _landscape(smk: Any) -> LandscapeSpec:
    """The landscape of a job from its wildcards (seed, n, pair) and params (hidden, split)."""
    w, p = smk.wildcards, smk.params
    return LandscapeSpec(int(w.seed), int(w.n), str(w.pair), tuple(map(int, p.hidden)), p.split)


def _grid(smk: Any) -> GridSpec:
    """The grid of a job from its params a, b and resolution."""
    p = smk.params
    a, b = (tuple(float(x) for x in p[k]) for k in ("a", "b"))
    return GridSpec(a, b, int(p.resolution))  # type: ignore[arg-type]


def _optimizer(smk: Any) -> OptimizerSpec:
    """The optimizer of a job from its wildcard and params.constants."""
    return OptimizerSpec(str(smk.wildcards.optimizer), dict(smk.params.constants))


def _network(smk: Any) -> NetworkSpec:
    """The whole network of a job from its wildcards (seed, n) and params (hidden, split)."""
    w, p = smk.wildcards, smk.params
    return NetworkSpec(int(w.seed), int(w.n), tuple(map(int, p.hidden)), p.split)


def _optional(smk: Any, name: str) -> str | None:
    """A named input when the job has it (a run's snapshots; absent for `init`)."""
    return getattr(smk.input, name, None) or None


def _data(smk: Any) -> dict[str, Any]:
    """The MNIST inputs of a job."""
    return {"images": smk.input.images, "labels": smk.input.labels}


#: Rule name -> what its job does with Snakemake's object. Figure rules are in the registry.
RULES: dict[str, Callable[[Any], Any]] = {
    "mnist_download": lambda smk: download_job(
        # Mirrors are read from the config, not params, on purpose: the file is fixed by its
        # checksum, so editing the mirror list must not rerun the download and all after it.
        smk.output[0], (smk.config.get("mnist") or {}).get("mirrors") or []
    ),
    "grid": lambda smk: grid_job(
        **_data(smk), output=smk.output.grid, landscape=_landscape(smk), grid=_grid(smk),
        threads=smk.threads,
    ),
    "critical_points": lambda smk: critical_points_job(
        **_data(smk), output=smk.output.critical, landscape=_landscape(smk), grid=_grid(smk),
        threads=smk.threads,
    ),
    "plateaus": lambda smk: plateaus_job(
        **_data(smk), output=smk.output.plateaus, landscape=_landscape(smk), grid=_grid(smk),
        threshold=float(smk.params.threshold), threads=smk.threads,
    ),
    "basins": lambda smk: basins_job(
        **_data(smk), critical=smk.input.critical, output=smk.output.basins,
        landscape=_landscape(smk), starts=_grid(smk), optimizer=_optimizer(smk),
        epochs=int(smk.params.epochs), threads=smk.threads,
    ),
    "train": lambda smk: train_job(
        **_data(smk), output=smk.output.training, snapshots_output=smk.output.snapshots,
        network=_network(smk), optimizer=OptimizerSpec(str(smk.wildcards.run),
                                                       dict(smk.params.constants)),
        epochs=int(smk.params.epochs), snapshots=int(smk.params.snapshots),
    ),
    "directions": lambda smk: directions_job(
        **_data(smk), output=smk.output.directions, network=_network(smk),
        plane=str(smk.wildcards.plane), centre_snapshots=_optional(smk, "centre"),
    ),
    "plane_grid": lambda smk: plane_grid_job(
        **_data(smk), directions=smk.input.directions, output=smk.output.grid,
        network=_network(smk), plane=str(smk.wildcards.plane), grid=_grid(smk),
        threads=smk.threads,
    ),
    "plane_path": lambda smk: plane_path_job(
        **_data(smk), directions=smk.input.directions, snapshots=smk.input.snapshots,
        training=smk.input.training, output=smk.output.path, network=_network(smk),
        plane=str(smk.wildcards.plane), run=str(smk.wildcards.run),
    ),
    "plane_gradient": lambda smk: plane_gradient_job(
        **_data(smk), directions=smk.input.directions, output=smk.output.gradient,
        network=_network(smk), plane=str(smk.wildcards.plane), grid=_grid(smk),
        threads=smk.threads,
    ),
    "plane_critical_points": lambda smk: plane_critical_points_job(
        **_data(smk), directions=smk.input.directions, gradient=smk.input.gradient,
        output=smk.output.critical, network=_network(smk), plane=str(smk.wildcards.plane),
        grid=_grid(smk), threads=smk.threads,
    ),
    "plane_plateaus": lambda smk: plane_plateaus_job(
        **_data(smk), directions=smk.input.directions, gradient=smk.input.gradient,
        output=smk.output.plateaus, network=_network(smk), plane=str(smk.wildcards.plane),
        grid=_grid(smk), threshold=float(smk.params.threshold),
    ),
    "line": lambda smk: line_job(
        **_data(smk), output=smk.output.line, network=_network(smk),
        line=str(smk.wildcards.line), start_snapshots=_optional(smk, "start"),
        end_snapshots=_optional(smk, "end"), t=tuple(map(float, smk.params.t)),
        points=int(smk.params.points), threads=smk.threads,
    ),
    "analysis_summary": lambda smk: summary_job(
        grids=list(smk.input.grids), critical=list(smk.input.critical),
        plateaus=list(smk.input.plateaus), trajectories=list(smk.input.trajectories),
        basin_maps=list(smk.input.basins), parquet=smk.output.parquet, csv=smk.output.csv,
    ),
    "gallery_summary": lambda smk: summary_job(
        grids=list(smk.input.grids), critical=list(smk.input.critical),
        plateaus=list(smk.input.plateaus), trajectories=[], basin_maps=[],
        parquet=smk.output.parquet, csv=smk.output.csv,
    ),
    "gallery_browser": lambda smk: gallery_browser_job(
        smk.input.summary, smk.output.html, dict(smk.params.sheet), list(smk.params.seeds),
        json.dumps({"rule": "gallery_browser", **dict(smk.params.items())}, sort_keys=True),
    ),
    "plotly_js": lambda smk: plotly_js_job(smk.output.js),
    "interactive_report": lambda smk: report_page_job(smk.input.page, smk.input.plotly_js,
                                                      smk.output.html),
    "plane_interactive_report": lambda smk: report_page_job(smk.input.page, smk.input.plotly_js,
                                                            smk.output.html),
}  # fmt: skip


def run_rule(smk: Any) -> None:
    """Run the job of Snakemake's `snakemake` object: a data rule above or a figure kind."""
    with job_log(smk.log[0] if smk.log else None, smk.rule):
        if smk.rule in RULES:
            RULES[smk.rule](smk)
            return
        from .render.registry import FigureJob, draw

        draw(FigureJob.from_snakemake(smk))
