"""Jobs of the planes and lines stage: directions, plane grids, projected paths, lines."""

from __future__ import annotations

import time

import numpy as np
import pyarrow.parquet as pq

from ..data.idx import load_split
from ..data.mnist import verify
from ..io import read_rows, write_table
from ..landscape.directions import DIRECTION_KINDS, DirectionInputs, parse_plane
from ..landscape.plane import line_costs, project
from ..landscape.surface import PLANE_COORDINATES
from ..network.names import weight_names
from ..specs import GridSpec, NetworkSpec
from .common import grid_columns, load_data, log, make_plane, provenance
from .readers import anchor, directions_meta, run_meta


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

    t0 = time.perf_counter()
    verify(images)  # an input of every directions job, read only by some kinds: checked always
    verify(labels)
    spec = parse_plane(plane)
    kind = DIRECTION_KINDS[spec.kind]
    hidden = list(network.hidden)
    centre = anchor(network, centre_snapshots)
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
        images,
        labels,
        kind="directions",
        **network.meta(),
        plane=plane,
        centre=spec.centre,
        directions=spec.kind,
        k=spec.k,
        centre_run=run_meta(centre_snapshots),
        **extra,
    )
    names = np.array(weight_names(hidden), dtype=object)
    columns = {"weight": names, "centre": centre, "d1": d1, "d2": d2}
    write_table(output, columns, meta, plain=list(columns))
    log.info(
        "directions %s %s %s; wrote %s in %.2f s",
        network,
        plane,
        extra,
        output,
        time.perf_counter() - t0,
    )


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
        images,
        labels,
        kind="plane_grid",
        **network.meta(),
        plane=plane,
        **grid.meta(),
        directions=directions_meta(directions),
    )
    columns = {**grid_columns(grid, PLANE_COORDINATES), "cost": cost, "accuracy": accuracy}
    write_table(output, columns, meta)
    log.info(
        "plane grid %s %s %dx%d; wrote %s in %.2f s",
        network,
        plane,
        grid.resolution,
        grid.resolution,
        output,
        time.perf_counter() - t0,
    )


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

    t0 = time.perf_counter()
    surface = make_plane(images, labels, directions, network)
    thetas = read_rows(snapshots, "theta")
    epochs = pq.read_table(snapshots, columns=["epoch"]).column("epoch").to_numpy()
    record = pq.read_table(training, columns=["epoch", "cost"])
    cost = record.column("cost").to_numpy()[epochs]  # row k of a training file is epoch k
    alpha, beta, distance = project(thetas, surface.centre, surface.d1, surface.d2)
    plane_cost, _ = surface.values(alpha, beta)  # J at centre + alpha d1 + beta d2
    meta = provenance(
        images,
        labels,
        kind="plane_path",
        **network.meta(),
        plane=plane,
        run=run_meta(snapshots),
    )
    columns = {
        "epoch": epochs.astype(np.int64),
        "alpha": alpha,
        "beta": beta,
        "cost": cost,
        "plane_cost": plane_cost,
        "distance": distance,
    }
    write_table(output, columns, meta)
    log.info(
        "path of %s on %s %s: largest distance from the plane %.4g; wrote %s in %.2f s",
        run,
        network,
        plane,
        float(np.max(distance)),
        output,
        time.perf_counter() - t0,
    )


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

    t0 = time.perf_counter()
    x, y = load_data(images, labels, network.n)
    start = anchor(network, start_snapshots)
    end = anchor(network, end_snapshots)
    if not (np.all(np.isfinite(start)) and np.all(np.isfinite(end))):
        raise ValueError(f"line {line}: an end has non-finite weights (a diverged run?)")
    ts = np.linspace(t[0], t[1], points)
    cost, accuracy = line_costs(start, end, ts, x, y, list(network.hidden), threads=threads)
    meta = provenance(
        images,
        labels,
        kind="line",
        **network.meta(),
        line=line,
        t=list(t),
        points=points,
        start_run=run_meta(start_snapshots),
        end_run=run_meta(end_snapshots),
    )
    write_table(output, {"t": ts, "cost": cost, "accuracy": accuracy}, meta)
    log.info(
        "line %s %s, %d points; wrote %s in %.2f s",
        network,
        line,
        points,
        output,
        time.perf_counter() - t0,
    )
