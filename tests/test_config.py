"""Unit tests of losslandscape.config: the shipped config, every rejected value, schema defaults.

Each bad config is the shipped config.yaml with one value changed (what Snakemake builds when a
--configfile is merged key by key into config.yaml). It goes through the same three steps as
workflow/rules/common.smk: friendly schema check, Snakemake's validate (fills defaults), semantic
checks. Every error must be a ConfigError whose message names the key and the offending value.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import dry_run_jobs
from snakemake.utils import update_config, validate

from losslandscape.config import (
    ConfigError,
    check_schema,
    check_semantics,
    load_schema,
    schema_errors,
    semantic_errors,
    switched_off_as_empty,
)
from losslandscape.optimizers import DEFAULTS as OPTIMIZER_DEFAULTS

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config.yaml"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def shipped() -> dict[str, Any]:
    """A fresh copy of the repository's config.yaml."""
    with open(CONFIG) as fh:
        return yaml.safe_load(fh)


def check(config: dict[str, Any]) -> dict[str, Any]:
    """Validate as common.smk does; return the config with its defaults filled."""
    check_schema(config, load_schema(SCHEMA))
    with switched_off_as_empty(config):
        validate(config, str(SCHEMA), set_default=True)
    check_semantics(config)
    return config


def changed(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The shipped config with `edit` applied."""
    config = shipped()
    edit(config)
    return config


def error_of(config: dict[str, Any]) -> str:
    """The ConfigError message `check` raises for `config` (fails the test if none)."""
    with pytest.raises(ConfigError) as info:
        check(config)
    return str(info.value)


# --------------------------------------------------------------------------------------------
# The shipped config
# --------------------------------------------------------------------------------------------


def test_shipped_config_passes_schema_and_semantics() -> None:
    config = shipped()
    assert schema_errors(config, load_schema(SCHEMA)) == []
    filled = check(config)
    assert semantic_errors(filled) == []
    # Nothing is missing, so validating fills nothing in: config.yaml is complete.
    assert filled == shipped()


def test_schema_defaults_equal_config_yaml() -> None:
    """A config made only of the schema's defaults is config.yaml, key for key (no drift)."""
    schema = load_schema(SCHEMA)
    defaults = _defaults(schema, schema, {key: {} for key in schema["required"]})
    assert defaults == shipped()


def test_schema_optimizer_defaults_equal_the_package_defaults() -> None:
    """Each optimizer's constants default alike in the schema and in losslandscape.optimizers."""
    schema = load_schema(SCHEMA)
    per_optimizer = schema["properties"]["trajectories"]["properties"]["optimizers"]["properties"]
    assert set(per_optimizer) == set(OPTIMIZER_DEFAULTS)
    for name, sub in per_optimizer.items():
        from_schema = {key: prop["default"] for key, prop in sub["properties"].items()}
        assert from_schema == OPTIMIZER_DEFAULTS[name], name


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref ('#/$defs/x'), merged under the node's own keywords."""
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _defaults(root: dict[str, Any], node: dict[str, Any], instance: Any) -> Any:
    """Fill `instance` with every default of `node`, recursively (a deep set_default)."""
    node = _resolve(root, node)
    if not isinstance(instance, dict):
        return instance
    for key, sub in node.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            instance[key] = _defaults(root, sub, instance[key])
    return instance


# --------------------------------------------------------------------------------------------
# Bad values: ConfigError naming the key and the value
# --------------------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit that sets the dotted key `path` to `value`."""

    def edit(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = config
        for part in parents:
            node = node[part]
        node[last] = value

    return edit


BAD = {
    "unknown top-level key": (_set("plots", {"dpi": 300}), ["plots"]),
    "split not train|test": (_set("mnist.split", "validation"), ["mnist.split", "validation"]),
    "resolution 1": (_set("landscapes.grid.resolution", 1), ["landscapes.grid.resolution", "1"]),
    "grid a low == high": (_set("landscapes.grid.a", [5, 5]), ["landscapes.grid.a", "[5, 5]"]),
    "grid b low > high": (_set("landscapes.grid.b", [18, -15]), ["landscapes.grid.b", "[18, -15]"]),
    "row outside layer 2": (
        _set("landscapes.pairs", ["w2-10-0_w2-5-251"]),
        ["landscapes.pairs[0]", "w2-10-0"],
    ),
    "column outside layer 0": (
        _set("trajectories.pairs", ["w0-0-783_w0-0-784"]),
        ["trajectories.pairs[0]", "w0-0-784"],
    ),
    "layer that does not exist": (
        _set("landscapes.pairs", ["w2-5-250_w2-5-251", "w3-0-0_w2-5-251"]),
        ["landscapes.pairs[1]", "w3-0-0"],
    ),
    "same weight twice": (
        _set("trajectories.pairs", ["w1-200-30_w1-200-30"]),
        ["trajectories.pairs[0]", "w1-200-30_w1-200-30"],
    ),
    "unknown optimizer": (
        _set("trajectories.optimizers", {"sgd": {"lr": 10}, "lion": {"lr": 1}}),
        ["trajectories.optimizers", "lion"],
    ),
    "unknown optimizer constant": (
        _set("trajectories.optimizers", {"sgd": {"lr": 10, "rho": 0.9}}),
        ["trajectories.optimizers.sgd", "rho"],
    ),
    "negative lr": (
        _set("trajectories.optimizers", {"adam": {"lr": -0.5}}),
        ["trajectories.optimizers.adam.lr", "-0.5"],
    ),
    "N larger than the test split": (
        lambda c: (_set("mnist.split", "test")(c), _set("trajectories.n", [100, 10001])(c)),
        ["trajectories.n[1]", "10001"],
    ),
    "basin map of an optimizer not configured": (
        _set("trajectories.optimizers", {"adam": {"lr": 5}}),
        ["analysis.basins.optimizers[0]", "'sgd'", "configured: adam"],
    ),
    "basin map of an unknown optimizer": (
        _set("analysis.basins.optimizers", ["sgd", "lion"]),
        ["analysis.basins.optimizers[1]", "lion"],
    ),
    "plateau threshold 0": (
        _set("analysis.plateau_threshold", 0),
        ["analysis.plateau_threshold", "0"],
    ),
    "duplicate start names": (
        _set("trajectories.starts", [[-9, 15], [-10.1, 15], [-9.0, 15.0]]),
        ["trajectories.starts[2]", "[-9.0, 15.0]", "a-9_b15"],
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_value_is_a_config_error_naming_key_and_value(case: str) -> None:
    edit, needles = BAD[case]
    message = error_of(changed(edit))
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"


def test_n_within_the_split_is_accepted() -> None:
    """The boundary: the test split has exactly 10000 images, the train split 60000."""
    check(changed(lambda c: (_set("mnist.split", "test")(c), _set("landscapes.n", [10000])(c))))
    message = error_of(changed(_set("landscapes.n", [60001])))
    assert "landscapes.n[0] = 60001" in message and "train" in message


def test_weights_on_the_last_row_and_column_are_accepted() -> None:
    check(changed(_set("landscapes.pairs", ["w2-9-499_w0-49-783", "w1-499-49_w2-0-0"])))


def test_every_problem_is_listed_in_one_error() -> None:
    """Several bad values: one ConfigError that names each, so one edit round fixes them all."""

    def edit(config: dict[str, Any]) -> None:
        _set("landscapes.grid.a", [1, 0])(config)
        _set("trajectories.pairs", ["w3-0-0_w2-5-251"])(config)

    message = error_of(changed(edit))
    assert "landscapes.grid.a" in message and "trajectories.pairs[0]" in message


def test_smaller_network_makes_default_pair_invalid() -> None:
    message = error_of(changed(_set("network.hidden", [50])))
    assert "network.hidden" not in message  # the schema accepts it; the pairs are the problem
    assert "landscapes.pairs[0] = 'w2-5-250_w2-5-251'" in message
    assert "layer 2 does not exist" in message


@pytest.mark.parametrize("key", ["landscapes.n", "trajectories.seeds"])
def test_integral_float_counts_are_rejected(key: str) -> None:
    message = error_of(changed(_set(key, [20.0])))
    assert key in message and "20.0" in message


# --------------------------------------------------------------------------------------------
# The same check through Snakemake: a bad --configfile stops a dry run before any job
# --------------------------------------------------------------------------------------------


def dry_run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """`snakemake -n *args` in workdir, which holds config.yaml as a user's folder would, so
    that --configfile files are merged into it key by key."""
    shutil.copy(CONFIG, workdir / "config.yaml")
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
        + ["--directory", str(workdir), "-n", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_snakemake_dry_run_with_bad_configfile_fails_before_any_job(tmp_path: Path) -> None:
    # The bad --configfile is merged into config.yaml key by key: it only needs the one bad key.
    bad = tmp_path / "bad.yaml"
    bad.write_text("landscapes:\n  grid:\n    resolution: 1\n")
    proc = dry_run(tmp_path, "--configfile", str(bad))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "ConfigError" in out, out
    assert re.search(r"landscapes\.grid\.resolution = 1\b", out), out
    assert "minimum of 2" in out, out  # what is allowed
    assert "Building DAG" not in out and "Job stats" not in out, out
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()


# --------------------------------------------------------------------------------------------
# The override files shipped in workflow/configs/, merged into config.yaml as the docs run them
# --------------------------------------------------------------------------------------------

OVERRIDES = REPO / "workflow" / "configs"
TEST_SPLIT = OVERRIDES / "test-split.yaml"


def merged(*files: Path) -> dict[str, Any]:
    """config.yaml with `files` merged in key by key, in order (what --configfile does)."""
    config = shipped()
    for path in files:
        update_config(config, yaml.safe_load(path.read_text()))
    return config


@pytest.mark.parametrize("path", sorted(OVERRIDES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_override_file_passes_over_config_yaml(path: Path) -> None:
    """Each file of workflow/configs/ validates over config.yaml, alone and with the test split."""
    check(merged(path))
    check(merged(TEST_SPLIT, path))


@pytest.mark.parametrize(
    ("name", "targets", "jobs"),
    [
        (
            "edge-of-stability.yaml",
            ["training"],
            {"train": 3, "heldout": 3, "sharpness": 3, "sharpness_plot": 1, "training_curves": 1},
        ),
        (
            "small-large-batch.yaml",
            ["training", "lines"],
            {
                "train": 2,
                "heldout": 2,
                "sharpness": 2,
                "spectrum": 2,
                "line": 3,
                "sharpness_plot": 1,
                "spectrum_plot": 2,
                "line_plot": 3,
                "training_curves": 1,
            },
        ),
    ],
)
def test_published_results_commands_plan_their_jobs(
    tmp_path: Path, name: str, targets: list[str], jobs: dict[str, int]
) -> None:
    """The dry run of docs/reproducing.md's command for each paper plans exactly its jobs."""
    files = [str(TEST_SPLIT), str(OVERRIDES / name)]
    proc = dry_run(tmp_path, "-c2", *targets, "--configfile", *files)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    planned = dry_run_jobs(proc.stdout, leave_out=(*targets, "mnist_download"))
    assert planned == Counter(jobs), out
    docs = " ".join((REPO / "docs" / "reproducing.md").read_text().split())
    command = f"snakemake -c 2 {' '.join(targets)} \\ --configfile workflow/configs/test-split.yaml"
    assert f"{command} workflow/configs/{name}" in docs  # the command tested is the one shown


def test_render_options_are_checked() -> None:
    from losslandscape.config import render_errors
    from losslandscape.render.options import DEFAULT_RENDER

    assert render_errors({}, DEFAULT_RENDER) == []
    assert (
        render_errors({"styles": {"optimizer_colors": {"mine": ["red", "red"]}}}, DEFAULT_RENDER)
        == []
    )
    errors = render_errors(
        {"descent3d": {"dpi": "high", "framez": []}, "nosuch": {}}, DEFAULT_RENDER
    )
    assert 'config key render.descent3d.dpi = "high": must be a number' in errors
    assert any(e.startswith("config key render.descent3d.framez: unknown") for e in errors)
    assert any(e.startswith("config key render.nosuch: unknown") for e in errors)


def test_null_switches_an_optimizer_off() -> None:
    """An override's `momentum: null` passes (Snakemake's validate alone fails on it)."""
    config = changed(_set("trajectories.optimizers.momentum", None))
    filled = check(config)
    assert filled["trajectories"]["optimizers"]["momentum"] is None
    assert filled["trajectories"]["optimizers"]["sgd"] == {"lr": 10}
    message = error_of(changed(_set("trajectories.optimizers.sgd", None)))
    assert "analysis.basins.optimizers[0] = 'sgd': not configured" in message
    assert "training" not in message  # the runs have their own optimizers and constants
    basins_of_adam = changed(_set("trajectories.optimizers.sgd", None))
    basins_of_adam["analysis"]["basins"]["optimizers"] = ["adam"]
    assert check(basins_of_adam)["analysis"]["basins"]["optimizers"] == ["adam"]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("planes.names", ["init-random0", "sgd-eigen"], "planes.names[1] = 'sgd-eigen': plane"),
        ("planes.names", ["init-pca"], "the centre must be a run"),
        ("planes.names", ["momentum-hessian"], "centre 'momentum' is neither init nor a training"),
        ("lines.names", ["sgd_sgd"], "lines.names[0] = 'sgd_sgd': a line needs two different"),
        ("lines.names", ["init_nadam"], "end 'nadam' is neither init nor a training run"),
        ("planes.grid.a", [1, 1], "planes.grid.a = [1, 1]: needs low < high"),
        (
            "analysis.planes",
            ["sgd-hessian", "sgd-random3"],
            "analysis.planes[1] = 'sgd-random3': not in planes.names",
        ),
        ("lines.t", [0.5, 0.5], "lines.t = [0.5, 0.5]: needs low < high"),
        (
            "training.optimizers",
            ["sgd", "adam"],
            'training.optimizers = ["sgd", "adam"]: replaced by training.runs',
        ),
        (
            "training.runs.sgd",
            {"optimizer": "sgdx", "lr": 1},
            'training.runs.sgd.optimizer = "sgdx": allowed values are sgd',
        ),
        (
            "training.runs.sgd",
            {"optimizer": "sgd", "rho": 0.9},
            "optimizer 'sgd' has no constant(s) ['rho']",
        ),
        ("training.runs.sgd", {"optimizer": "sgd", "batch": 0}, "training.runs.sgd.batch = 0"),
        (
            "training.runs.sgd",
            {"optimizer": "sgd", "batch": 1001},
            "training.runs.sgd.batch = 1001: more samples than the run's N = 1000",
        ),
        ("training.runs", {"Big": {"optimizer": "sgd"}}, "training.runs.Big: run name 'Big'"),
        ("training.runs", {"init": {"optimizer": "sgd"}}, "training.runs.init: "),
        ("training.runs", {"a-b": {"optimizer": "sgd"}}, "training.runs.a-b: "),
        (
            "training.heldout",
            {"split": "train", "first": 500, "n": 100},
            "overlaps the first 1,000 images of the train split",
        ),
        (
            "training.heldout",
            {"split": "test", "first": 9000, "n": 2000},
            "images 9000 to 10999 do not exist (the test split has 10,000)",
        ),
        ("training.heldout", "all", 'training.heldout = "all"'),
        ("lines.names", ["nadam-random0"], "centre 'nadam' is neither init nor a training run"),
        (
            "lines.names",
            ["sgd-random0", "sgd-random00"],
            "lines.names[1] = 'sgd-random00': the same line as lines.names[0]",
        ),
        ("training.n", [70000], "training.n[0] = 70000: larger than the train split"),
        ("training.n", [100.0], "training.n[0] = 100.0: must be a whole number"),
        ("training.runs", {}, "training.runs = {}"),
        ("training.snapshots", 2, "training.snapshots = 2"),
        ("training.sharpness", {"eigenvalues": 0}, "training.sharpness.eigenvalues = 0"),
        ("training.spectrum", {"lanczos": 1}, "training.spectrum.lanczos = 1"),
        ("training.spectrum", {"probes": 0}, "training.spectrum.probes = 0"),
        ("training.spectrum", {"at": ["middle"]}, 'training.spectrum.at[0] = "middle"'),
        (
            "training.spectrum",
            {"at": ["first", 2000, 7]},
            'training.spectrum.at = ["first", 2000, 7]: epoch 7 is no snapshot of the runs',
        ),
        (
            "render",
            {"plane_descent3d": {"frames": 5}},
            "plane_descent3d.frames = 5: must be a list",
        ),
    ],
)
def test_whole_network_keys_are_checked(key: str, value: object, says: str) -> None:
    """Bad planes, lines and runs stop the run before any job, naming key and value."""
    message = error_of(changed(_set(key, value)))
    assert says in message, message


def test_a_run_set_to_null_is_not_run() -> None:
    """An override file drops a run of config.yaml by setting it to null (runs merge key by key)."""
    from losslandscape.config import training_runs

    config = check(changed(_set("training.runs.adam", None)))
    assert list(training_runs(config)) == ["sgd"]
    assert config["training"]["runs"]["adam"] is None  # kept in place, in order
    both = changed(lambda c: c["training"]["runs"].update(sgd=None, adam=None))
    assert "training.runs: every run is null" in error_of(both)
    on_dropped = changed(_set("training.runs.sgd", None))  # the default planes are on sgd
    assert "centre 'sgd' is neither init nor a training run" in error_of(on_dropped)


def test_heldout_images_follow_the_split_and_auto_needs_room_on_the_test_split() -> None:
    """auto: the whole test split beside the train split, the test split's last 5,000 beside
    itself (a run of N > 5,000 on the test split then needs explicit held-out images)."""
    from losslandscape.config import training_runs
    from losslandscape.specs import heldout_images

    train_split = check(changed(lambda c: None))
    assert heldout_images(train_split) == {"split": "test", "first": 0, "n": 10_000}
    test_split = check(changed(_set("mnist.split", "test")))
    assert heldout_images(test_split) == {"split": "test", "first": 5000, "n": 5000}
    assert heldout_images(check(changed(_set("training.heldout", None)))) is None

    def test_split_n(c: dict[str, Any]) -> None:
        _set("mnist.split", "test")(c)
        _set("training.n", [6000])(c)

    message = error_of(changed(test_split_n))
    assert "training.heldout = 'auto': the runs train on the test split" in message
    assert "training.n = 6,000 reaches into them" in message
    runs = training_runs(train_split)
    assert runs["sgd"] == {"optimizer": "sgd", "constants": {"lr": 0.5}, "batch": None}
    assert runs["adam"]["constants"] == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
