"""Jobs of the training stage: a whole-network run with its per-epoch record and snapshots, and
the record of its snapshots on the held-out images."""

from __future__ import annotations

import time

import numpy as np

from ..io import read_parquet, read_rows, to_arrow_rows, write_table
from ..network.evaluate import costs_and_accuracies
from ..network.model import flatten, init_weights
from ..network.names import weight_names
from ..network.training import snapshot_epochs, train
from ..specs import NetworkSpec, OptimizerSpec
from .common import HeldoutImages, load_data, log, log_written, provenance
from .readers import run_meta


def train_job(
    images: str,
    labels: str,
    output: str,
    snapshots_output: str,
    network: NetworkSpec,
    optimizer: OptimizerSpec,
    epochs: int,
    snapshots: int,
    run_name: str = "",
    batch: int | None = None,
) -> None:
    """Train every weight from the seed's network -> {run}.parquet and {run}_snapshots.parquet.

    The initial network is network.init's; `batch` None is full batch, otherwise mini-batches
    in the seed's order (network.training.batch_order). A diverging run is recorded, not
    raised: both files end at that epoch and their metadata says `diverged_at_epoch`.
    """

    t0 = time.perf_counter()
    x, y = load_data(images, labels, network.n)
    hidden = list(network.hidden)
    theta0 = flatten(init_weights(network.seed, hidden, network.init))
    rule = (optimizer.name, optimizer.constants)
    kept_at = snapshot_epochs(epochs, snapshots)
    run = train(theta0, x, y, hidden, *rule, epochs, kept_at, batch=batch, seed=network.seed)
    kept = {"epochs": epochs, "snapshots": snapshots, "diverged_at_epoch": run.diverged_at}
    name = run_name or optimizer.name
    where = {**network.meta(), "run": name, **optimizer.meta(), "batch": batch, **kept}
    meta = provenance(images, labels, kind="training", **where)
    if run.diverged_at is not None:
        log.warning("training diverged at epoch %d; the files end there", run.diverged_at)
    write_table(output, {"epoch": run.epoch, "cost": run.cost, "accuracy": run.accuracy}, meta)
    rows = {"epoch": run.snapshot_epochs, "theta": to_arrow_rows(run.snapshots)}
    weights = len(weight_names(hidden))
    write_table(snapshots_output, rows, {**meta, "weights": weights}, plain=["theta"])
    final = f"final J {run.cost[-1]:.6g}, accuracy {run.accuracy[-1]:.4f}"
    log_written(output, t0, f"training {network} {name}: {len(run.epoch) - 1} epochs, {final}")


def heldout_job(
    snapshots: str, heldout: HeldoutImages, output: str, network: NetworkSpec, threads: int = 1
) -> None:
    """J and accuracy of every snapshot of a run on the held-out images -> {run}_heldout.parquet.

    A diverged run's snapshots are recorded as they are (a non-finite snapshot gives a
    non-finite J).
    """
    t0 = time.perf_counter()
    thetas = read_rows(snapshots, "theta")
    epochs = read_parquet(snapshots, ["epoch"]).column("epoch").to_numpy().astype(np.int64)
    x, y = heldout.load()
    cost, accuracy = costs_and_accuracies(thetas, x, y, list(network.hidden), threads)
    where = {**network.meta(), "run": run_meta(snapshots), "heldout": heldout.meta()}
    meta = provenance(heldout.images, heldout.labels, kind="heldout", **where)
    write_table(output, {"epoch": epochs, "cost": cost, "accuracy": accuracy}, meta)
    final = f"final J {cost[-1]:.6g}, accuracy {accuracy[-1]:.4f}"
    log_written(
        output, t0, f"held-out record of {len(epochs)} snapshots on {heldout.meta()}: {final}"
    )
