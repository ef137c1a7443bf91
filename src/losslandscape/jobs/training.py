"""Jobs of the training stage: a whole-network run with its per-epoch record and snapshots."""

from __future__ import annotations

import time

from ..io import to_arrow_rows, write_table
from ..network.model import flatten, init_weights
from ..network.names import weight_names
from ..network.training import snapshot_epochs, train
from ..specs import NetworkSpec, OptimizerSpec
from .common import load_data, log, log_written, provenance


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

    t0 = time.perf_counter()
    x, y = load_data(images, labels, network.n)
    hidden = list(network.hidden)
    theta0 = flatten(init_weights(network.seed, hidden))
    rule = (optimizer.name, optimizer.constants)
    run = train(theta0, x, y, hidden, *rule, epochs, snapshot_epochs(epochs, snapshots))
    kept = {"epochs": epochs, "snapshots": snapshots, "diverged_at_epoch": run.diverged_at}
    where = {**network.meta(), "run": optimizer.name, **optimizer.meta(), **kept}
    meta = provenance(images, labels, kind="training", **where)
    if run.diverged_at is not None:
        log.warning("training diverged at epoch %d; the files end there", run.diverged_at)
    write_table(output, {"epoch": run.epoch, "cost": run.cost, "accuracy": run.accuracy}, meta)
    rows = {"epoch": run.snapshot_epochs, "theta": to_arrow_rows(run.snapshots)}
    weights = len(weight_names(hidden))
    write_table(snapshots_output, rows, {**meta, "weights": weights}, plain=["theta"])
    final = f"final J {run.cost[-1]:.6g}, accuracy {run.accuracy[-1]:.4f}"
    log_written(
        output, t0, f"training {network} {optimizer.name}: {len(run.epoch) - 1} epochs, {final}"
    )
