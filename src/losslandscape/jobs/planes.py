"""Jobs of the planes and lines stage: directions, plane grids, projected paths, lines."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data.idx import load_split
from ..data.mnist import verify
from ..io import read_parquet, read_rows, write_table
from ..landscape.directions import DIRECTION_KINDS, DirectionInputs, parse_line, parse_plane
from ..landscape.plane import line_values, project, random_line_direction
from ..network.names import weight_names
from ..specs import GridSpec, NetworkSpec
from .common import HeldoutImages, PlaneInputs, grid_columns, load_data, log_written, provenance
from .readers import anchor, run_meta


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
    from the plane's kind (losslandscape.landscape.directions); what it reports (the PCA's explained
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
    made = {"centre": spec.centre, "directions": spec.kind, "k": spec.k}
    where = {**network.meta(), "plane": plane, **made, "centre_run": run_meta(centre_snapshots)}
    meta = provenance(images, labels, kind="directions", **where, **extra)
    names = np.array(weight_names(hidden), dtype=object)
    columns = {"weight": names, "centre": centre, "d1": d1, "d2": d2}
    write_table(output, columns, meta, plain=list(columns))
    log_written(output, t0, f"directions {network} {plane} {extra}")


def plane_grid_job(inputs: PlaneInputs, output: str, grid: GridSpec, threads: int = 1) -> None:
    """J and accuracy on the plane's (alpha, beta) grid -> grid.parquet (alpha fastest)."""
    t0 = time.perf_counter()
    cost, accuracy = inputs.surface(threads).grid_values(*grid.axes())
    meta = inputs.provenance(kind="plane_grid", **grid.meta())
    columns = {**grid_columns(grid, inputs.coordinates), "cost": cost, "accuracy": accuracy}
    write_table(output, columns, meta)
    where = f"{inputs.network} {inputs.plane} {grid.resolution}x{grid.resolution}"
    log_written(output, t0, f"plane grid {where}")


def plane_path_job(
    inputs: PlaneInputs, snapshots: str, training: str, output: str, run: str
) -> None:
    """Every snapshot of a run projected onto the plane -> path_{run}.parquet.

    Per snapshot: least-squares (alpha, beta), the true J of the snapshot (the run's own record
    of that epoch, from the same forward pass), J at the projected point, and the snapshot's
    distance from the plane (how far the drawn path can be trusted).
    """
    t0 = time.perf_counter()
    surface = inputs.surface()
    thetas = read_rows(snapshots, "theta")
    epochs = read_parquet(snapshots, ["epoch"]).column("epoch").to_numpy()
    record = read_parquet(training, ["epoch", "cost"])
    cost = record.column("cost").to_numpy()[epochs]  # row k of a training file is epoch k
    alpha, beta, distance = project(thetas, surface.centre, surface.d1, surface.d2)
    plane_cost, _ = surface.values(alpha, beta)  # J at centre + alpha d1 + beta d2
    where = {**inputs.network.meta(), "plane": inputs.plane, "run": run_meta(snapshots)}
    meta = provenance(inputs.images, inputs.labels, kind="plane_path", **where)
    columns = {"epoch": epochs.astype(np.int64), "alpha": alpha, "beta": beta, "cost": cost}
    write_table(output, {**columns, "plane_cost": plane_cost, "distance": distance}, meta)
    found = f"largest distance from the plane {np.max(distance):.4g}"
    log_written(output, t0, f"path of {run} on {inputs.network} {inputs.plane}: {found}")


def line_job(
    images: str,
    labels: str,
    output: str,
    network: NetworkSpec,
    line: str,
    anchors: Sequence[str | None],
    t: tuple[float, float],
    points: int,
    threads: int = 1,
    heldout: HeldoutImages | None = None,
) -> None:
    """J and accuracy along a line -> results/lines/{seed}/{n}/{line}.parquet.

    `anchors` are the snapshots files of the line's anchors in the order Line.anchors names
    them (None for `init`): (1 - t) theta_from + t theta_to between two networks, or centre +
    t d along the centre's filter-normalised random{k} direction. With held-out images, their
    J and accuracy too (heldout_cost, heldout_accuracy).
    """
    t0 = time.perf_counter()
    spec = parse_line(line)
    hidden = list(network.hidden)
    thetas = [anchor(network, snapshots) for snapshots in anchors]
    if not all(np.all(np.isfinite(theta)) for theta in thetas):
        raise ValueError(f"line {line}: an anchor has non-finite weights (a diverged run?)")
    if spec.kind == "between":
        start, direction = thetas[0], thetas[1] - thetas[0]
    else:
        start, direction = thetas[0], random_line_direction(thetas[0], int(spec.k or 0), hidden)
    ts = np.linspace(t[0], t[1], points)
    data = {"": load_data(images, labels, network.n)}
    if heldout is not None:
        data["heldout_"] = heldout.load()
    columns: dict[str, Any] = {"t": ts}
    for prefix, (x, y) in data.items():
        cost, accuracy = line_values(start, direction, ts, x, y, hidden, threads=threads)
        columns.update({f"{prefix}cost": cost, f"{prefix}accuracy": accuracy})
    runs = {f"{role}_run": run_meta(s) for role, s in zip(spec.roles, anchors, strict=True)}
    where = {**network.meta(), "line": line, "t": list(t), "points": points, **runs}
    held = {"heldout": None if heldout is None else heldout.meta()}
    meta = provenance(images, labels, kind="line", **where, **held)
    write_table(output, columns, meta)
    log_written(output, t0, f"line {network} {line}, {points} points")
