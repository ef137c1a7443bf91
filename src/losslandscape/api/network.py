"""Whole-network training runs and what the field measures along them: held-out records,
sharpness against the stability threshold, the Hessian's spectrum and trace.

Defaults are config.yaml's training section (seed 135, N = 1,000, the scaled initial network,
2,000 epochs, 100 snapshots) on the test split; a run's default constants are the ones that
learn here (sgd lr 0.5; adam lr 0.001, eps 1e-8) when the optimizer is one of those two.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import paths
from ..io import read_metadata
from ..jobs.common import HeldoutImages
from ..jobs.training import heldout_job, sharpness_job, spectrum_job, train_job
from ..landscape.directions import check_run_name
from ..network.training import snapshot_epochs
from ..optimizers import constants as optimizer_constants
from ..optimizers import stability_threshold
from ..specs import NetworkSpec, OptimizerSpec
from ..specs import heldout_images as workflow_heldout
from .files import read
from .session import bar, mnist_files, result_path

HIDDEN = (50, 500)
#: Constants that learn on this network (config.yaml's runs), used when none are given.
LEARNING = {"sgd": {"lr": 0.5}, "adam": {"lr": 0.001, "eps": 1e-8}}


@dataclass(frozen=True)
class Run:
    """A training run: its per-epoch record (epoch, cost, accuracy), its snapshots (epoch,
    theta), and where their files are (for the jobs that read them)."""

    name: str
    network: NetworkSpec
    optimizer: OptimizerSpec
    batch: int | None
    record: Any
    snapshots: Any
    record_path: str
    snapshots_path: str

    @property
    def threshold(self) -> float | None:
        """The run's stability threshold: 2/lr (sgd), (2 + 2 rho)/lr (momentum), full batch."""
        return stability_threshold(self.optimizer.name, self.optimizer.constants, self.batch)

    def _repr_html_(self) -> str:
        """A line for notebooks: name, rule, final accuracy."""
        last = self.record.iloc[-1]
        return (
            f"<b>run {self.name}</b>: {self.optimizer.name} {self.optimizer.constants}, "
            f"batch {self.batch or 'full'}, {int(last['epoch'])} epochs, final J "
            f"{last['cost']:.4g}, accuracy {100 * last['accuracy']:.1f}%"
        )


def train(
    name: str = "sgd",
    optimizer: str | None = None,
    constants: Mapping[str, float] | None = None,
    batch: int | None = None,
    seed: int = 135,
    n: int = 1000,
    epochs: int = 2000,
    snapshots: int = 100,
    init: str = "scaled",
    split: str = "test",
    threads: int = 1,
    progress: bool = True,
) -> Run:
    """Train every weight of the network from the seed's initial network: the `train` job,
    results/training/{seed}/{n}/{name}.parquet and {name}_snapshots.parquet.

    `optimizer` defaults to the run's name (sgd, adam, ...); `batch` None is full batch.

    Example:

        >>> sgd = train("sgd")                          # lr 0.5, full batch
        >>> small = train("small", "sgd", {"lr": 0.1}, batch=32, epochs=200)
        >>> sgd.record["accuracy"].iloc[-1]
    """
    why = check_run_name(name)
    if why:
        raise ValueError(f"name = {name!r}: {why}")
    rule = optimizer or name
    given = dict(LEARNING.get(rule, {}) if constants is None else constants)
    spec = OptimizerSpec(rule, optimizer_constants(rule, given))
    if batch is not None and not 1 <= int(batch) <= int(n):
        raise ValueError(f"batch = {batch}: a batch is 1 to N = {n} samples, or None")
    network = NetworkSpec(int(seed), int(n), HIDDEN, split, init)
    images, labels = mnist_files(split)
    record = result_path(paths.TRAINING, seed=seed, n=n, run=name)
    kept = result_path(paths.SNAPSHOTS, seed=seed, n=n, run=name)
    _refuse_another_run(record, name, network, spec, batch, int(epochs), int(snapshots))
    with bar(f"training {name}", progress):
        train_job(images, labels, record, kept, network, spec, int(epochs), int(snapshots),
                  run_name=name, batch=None if batch is None else int(batch))  # fmt: skip
    return Run(name, network, spec, batch, read(record), read(kept), record, kept)


def _refuse_another_run(
    record: str,
    name: str,
    network: NetworkSpec,
    spec: OptimizerSpec,
    batch: int | None,
    epochs: int,
    snapshots: int,
) -> None:
    """Refuse to replace the files of a different run of the same name in the workspace: a Run
    made before would then read another run's snapshots."""
    if not os.path.exists(record):
        return
    meta = read_metadata(record)
    want = {**network.meta(), **spec.meta(), "batch": batch, "epochs": epochs,
            "snapshots": snapshots}  # fmt: skip
    differ = sorted(key for key, value in want.items() if meta.get(key) != value)
    if differ:
        raise ValueError(
            f"name = {name!r}: this workspace already holds a run {name!r} with other "
            f"{', '.join(differ)} ({ {k: meta.get(k) for k in differ} }); give the new run "
            f"another name, or set_workspace(...) to a new folder"
        )


def heldout_images(split: str, n: int, given: Any = "auto") -> HeldoutImages | None:
    """Held-out images as the workflow picks them (specs.heldout_images): `auto` (the whole
    test split when training on the train split, else the test split's last 5,000), a mapping
    {split, first, n}, or None."""
    spec = workflow_heldout({"training": {"heldout": given}, "mnist": {"split": split}})
    if spec is None:
        return None
    if spec["split"] == split and spec["first"] < n:
        raise ValueError(f"heldout = {spec}: overlaps the first {n} images the runs train on")
    images, labels = mnist_files(spec["split"])
    return HeldoutImages(images, labels, spec["split"], spec["first"], spec["n"])


def heldout(run: Run, images: Any = "auto", threads: int = 1) -> Any:
    """J and accuracy of every snapshot of the run on held-out images (`heldout` job):
    columns epoch, cost, accuracy.

    Example:

        >>> heldout(sgd)["accuracy"].iloc[-1]
    """
    held = heldout_images(run.network.split, run.network.n, images)
    if held is None:
        raise ValueError("images = None: no held-out images to evaluate on")
    out = result_path(paths.HELDOUT, seed=run.network.seed, n=run.network.n, run=run.name)
    heldout_job(run.snapshots_path, held, out, run.network, threads)
    return read(out)


def sharpness(run: Run, eigenvalues: int = 2, threads: int = 1, progress: bool = True) -> Any:
    """The `eigenvalues` largest eigenvalues of the Hessian of J/2 at every snapshot (the
    `sharpness` job): columns epoch, lambda_1 ..; attrs["threshold"] the run's 2/lr or None.

    Example:

        >>> s = sharpness(sgd)
        >>> s["lambda_1"].max(), s.attrs["threshold"]
    """
    if int(eigenvalues) < 1:
        raise ValueError(f"eigenvalues = {eigenvalues}: at least 1")
    images, labels = mnist_files(run.network.split)
    out = result_path(paths.SHARPNESS, seed=run.network.seed, n=run.network.n, run=run.name)
    with bar(f"sharpness {run.name}", progress):
        sharpness_job(images, labels, run.snapshots_path, out, run.network, int(eigenvalues),
                      run.threshold, threads)  # fmt: skip
    return read(out)


def spectrum(
    run: Run,
    at: Sequence[str | int] = ("first", "last"),
    lanczos: int = 80,
    probes: int = 4,
    threads: int = 1,
    progress: bool = True,
) -> Any:
    """The Hessian of J/2's eigenvalue density (stochastic Lanczos quadrature) and trace
    (Hutchinson) at the snapshots `at` names (the `spectrum` job): columns epoch, eigenvalue,
    density; attrs["spectrum"] a list of {epoch, trace, trace_stderr, ritz_values, ...}.

    Example:

        >>> sp = spectrum(sgd, at=["last"])
        >>> sp.attrs["spectrum"][-1]["trace"]
    """
    if int(lanczos) < 2 or int(probes) < 1:
        raise ValueError(f"lanczos = {lanczos}, probes = {probes}: lanczos >= 2, probes >= 1")
    kept = [int(e) for e in run.snapshots["epoch"]]
    named = [a for a in at if a not in ("first", "last")]
    wrong = [a for a in named if int(a) not in kept]
    if wrong:
        raise ValueError(f"at = {list(at)}: {wrong} no snapshot epoch of run {run.name}")
    images, labels = mnist_files(run.network.split)
    out = result_path(paths.SPECTRUM, seed=run.network.seed, n=run.network.n, run=run.name)
    with bar(f"spectrum {run.name}", progress):
        spectrum_job(images, labels, run.snapshots_path, out, run.network, list(at),
                     int(lanczos), int(probes), threads)  # fmt: skip
    return read(out)


__all__ = ["Run", "heldout", "sharpness", "snapshot_epochs", "spectrum", "train"]
