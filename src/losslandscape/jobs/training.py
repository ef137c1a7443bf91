"""Jobs of the training stage: a whole-network run with its per-epoch record and snapshots, the
record of its snapshots on the held-out images, and the Hessian measured along it (sharpness
at every snapshot, the eigenvalue density and trace at chosen ones)."""

from __future__ import annotations

import time

import numpy as np

from ..io import read_parquet, read_rows, to_arrow_rows, write_table
from ..network.evaluate import costs_and_accuracies
from ..network.model import flatten, init_weights
from ..network.names import weight_names
from ..network.spectrum import SHARPNESS_TOL, sharpness, spectrum
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


def _snapshots(path: str) -> tuple[np.ndarray, np.ndarray]:
    """A run's snapshot epochs and weights (rows)."""
    thetas = read_rows(path, "theta")
    epochs = read_parquet(path, ["epoch"]).column("epoch").to_numpy().astype(np.int64)
    return epochs, thetas


def sharpness_job(
    images: str,
    labels: str,
    snapshots: str,
    output: str,
    network: NetworkSpec,
    eigenvalues: int,
    threshold: float | None,
    threads: int = 1,
) -> None:
    """The `eigenvalues` largest eigenvalues of the Hessian of J/2 on the run's N images at every
    snapshot -> {run}_sharpness.parquet (epoch, lambda_1 .. lambda_k; metadata: threshold)."""
    t0 = time.perf_counter()
    epochs, thetas = _snapshots(snapshots)
    x, y = load_data(images, labels, network.n)
    hidden = list(network.hidden)
    got = sharpness(thetas, epochs, x, y, hidden, eigenvalues, network.seed, threads)
    where = {**network.meta(), "run": run_meta(snapshots)}
    finite = np.isfinite(got.residuals)
    solver = {
        "eigenvalues": eigenvalues,
        "tol": SHARPNESS_TOL,
        "hessian_vector_products": int(got.products.sum()),
        "float32_products": int(got.start_products.sum()),
        "max_residual": float(np.nanmax(got.residuals)) if finite.any() else None,
    }
    meta = provenance(images, labels, kind="sharpness", **where, threshold=threshold, **solver)
    columns = {"epoch": epochs}
    columns.update({f"lambda_{i + 1}": got.values[:, i] for i in range(eigenvalues)})
    write_table(output, columns, meta)
    top = np.nanmax(got.values[:, 0]) if np.isfinite(got.values[:, 0]).any() else float("nan")
    limit = "no threshold" if threshold is None else f"threshold {threshold:.6g}"
    summary = f"{len(epochs)} snapshots, largest lambda_1 {top:.6g} ({limit}), "
    exact, single = solver["hessian_vector_products"], solver["float32_products"]
    spent = f"{exact} products (and {single} in float32 for the starts)"
    log_written(output, t0, summary + spent)


def spectrum_epochs(at: list[object], epochs: np.ndarray, finite: np.ndarray) -> list[int]:
    """The snapshot epochs `at` names (first, last, epochs), in the order given, among the
    snapshots with finite weights (`finite`): `last` is a diverged run's last finite one, and a
    named epoch the run never reached or whose weights are not finite is left out, logged."""
    kept = [int(e) for e, ok in zip(epochs, finite, strict=True) if ok]
    if not kept:
        log.warning("no snapshot has finite weights: no spectrum")
        return []
    named = [kept[0] if a == "first" else kept[-1] if a == "last" else int(a) for a in at]  # type: ignore[call-overload]
    out: list[int] = []
    for epoch in named:
        if epoch in kept and epoch not in out:
            out.append(epoch)
        elif epoch not in kept:
            log.warning("epoch %d is no finite snapshot of this run (it diverged); left out", epoch)
    return out


def spectrum_job(
    images: str,
    labels: str,
    snapshots: str,
    output: str,
    network: NetworkSpec,
    at: list[object],
    lanczos: int,
    probes: int,
    threads: int = 1,
) -> None:
    """The Hessian of J/2's eigenvalue density and trace at the snapshots `at` names ->
    {run}_spectrum.parquet (epoch, eigenvalue, density; metadata spectrum, lanczos, probes)."""
    t0 = time.perf_counter()
    epochs, thetas = _snapshots(snapshots)
    x, y = load_data(images, labels, network.n)
    hidden = list(network.hidden)
    rows: dict[str, list[np.ndarray]] = {"epoch": [], "eigenvalue": [], "density": []}
    records = []
    finite = np.isfinite(thetas).all(axis=1)
    for epoch in spectrum_epochs(at, epochs, finite):
        theta = thetas[int(np.flatnonzero(epochs == epoch)[0])]
        got = spectrum(theta, epoch, x, y, hidden, network.seed, probes, lanczos, threads)
        q, d = got.quadrature, got.density
        rows["epoch"].append(np.full(d.eigenvalue.size, epoch, dtype=np.int64))
        rows["eigenvalue"].append(d.eigenvalue)
        rows["density"].append(d.density)
        records.append(
            {
                "epoch": epoch,
                "trace": q.trace,
                "trace_stderr": None if probes < 2 else q.trace_stderr,
                "sigma": d.sigma,
                "ritz_values": [n.tolist() for n in q.nodes],
                "ritz_weights": [w.tolist() for w in q.weights],
            }
        )
        log.info("epoch %d: trace %.6g +- %.2g", epoch, q.trace, q.trace_stderr)
    where = {**network.meta(), "run": run_meta(snapshots)}
    settings = {"lanczos": lanczos, "probes": probes, "at": list(at)}
    meta = provenance(images, labels, kind="spectrum", **where, **settings, spectrum=records)
    empty = {"epoch": np.int64, "eigenvalue": np.float64, "density": np.float64}
    columns = {k: np.concatenate(v) if v else np.empty(0, dtype=empty[k]) for k, v in rows.items()}
    write_table(output, columns, meta)
    log_written(output, t0, f"spectrum at epochs {[r['epoch'] for r in records]}")
