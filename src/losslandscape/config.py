"""Config checks: the JSON schema with messages that name key and value, then what it can't say."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import resources
from .data.mnist import SPLIT_SIZE
from .landscape.directions import check_line, check_plane, check_run_name, parse_line, parse_plane
from .network.names import NameError_, check_pair, parse_pair, start_name
from .network.training import snapshot_epochs
from .optimizers import constants as optimizer_constants
from .render.options import DEFAULT_RENDER, RENAMED
from .specs import HELDOUT_TEST_N


class ConfigError(ValueError):
    """A config value that is not allowed; the message names the key, the value and the rule."""


def _key(path: Any) -> str:
    """Dotted key with list indices, e.g. landscapes.pairs[0]."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _show(value: Any) -> str:
    """A short rendering of a config value for messages."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def load_schema(path: str | Path) -> dict[str, Any]:
    """The config schema as a dict."""
    with open(path) as fh:
        return yaml.safe_load(fh)


def _show_number(x: float) -> str:
    """A non-finite number as YAML spells it (.nan, .inf, -.inf), else as _show does."""
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    return _show(x)


def _nonfinite(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], float]]:
    """(key path, value) of every NaN or infinite number anywhere below `node`."""
    if isinstance(node, float) and not math.isfinite(node):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _nonfinite(value, (*path, key))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from _nonfinite(value, (*path, i))


def nonfinite_errors(config: Any) -> list[str]:
    """Every NaN or infinite number of the whole config: no key of it means one.

    YAML reads .nan, .inf and -.inf as floats, and a JSON schema's minimum and maximum are
    false comparisons for NaN, so the schema alone lets NaN through (and inf where unbounded).
    """
    return [
        f"config key {_key(path)} = {_show_number(value)}: must be a finite number "
        "(.nan, .inf and -.inf are not allowed for any key)"
        for path, value in _nonfinite(config)
    ]


def schema_errors(config: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every schema violation as 'config key K = V: reason'."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for err in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        key = _key(err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            prefix = f"{key}." if err.absolute_path else ""
            errors.append(f"config key {prefix}{missing}: required but missing")
        elif err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            errors.append(f"config key {key}: {err.message}; allowed keys: {', '.join(allowed)}")
        elif err.validator == "enum":
            errors.append(
                f"config key {key} = {_show(err.instance)}: allowed values are "
                f"{', '.join(map(str, err.validator_value))}"
            )
        else:
            errors.append(f"config key {key} = {_show(err.instance)}: {err.message}")
    return errors


def _whole_number_errors(section: str, sec: dict[str, Any]) -> list[str]:
    """Seeds and N of a section must be whole numbers: they become part of file names."""
    return [
        f"config key {section}.{key}[{i}] = {_show(x)}: must be a whole number "
        "written without a decimal point (it becomes part of file names)"
        for key in ("seeds", "n")
        for i, x in enumerate(sec.get(key, []))
        if not isinstance(x, int) or isinstance(x, bool)
    ]


def _size_errors(section: str, ns: list[Any], split: str) -> list[str]:
    """Every N of a section must fit in the split."""
    return [
        f"config key {section}.n[{i}] = {n}: larger than the {split} split's "
        f"{SPLIT_SIZE[split]} images"
        for i, n in enumerate(ns)
        if n > SPLIT_SIZE[split]
    ]


def semantic_errors(config: dict[str, Any]) -> list[str]:
    """Checks a schema cannot express: weights inside the network, ranges, N within the split."""
    errors: list[str] = []
    hidden = config["network"]["hidden"]
    split = config["mnist"]["split"]
    for section in ("landscapes", "trajectories"):
        sec = config[section]
        errors.extend(_whole_number_errors(section, sec))
        for i, pair in enumerate(sec["pairs"]):
            why = check_pair(pair, hidden)
            if why:
                errors.append(
                    f"config key {section}.pairs[{i}] = {pair!r}: {why} "
                    f"(network 784 -> {' -> '.join(map(str, hidden))} -> 10)"
                )
        errors.extend(_size_errors(section, sec["n"], split))
    gallery = config.get("gallery") or {}
    for i, pair in enumerate(gallery.get("pairs", [])):
        why = check_pair(pair, hidden)
        if why:
            errors.append(f"config key gallery.pairs[{i}] = {pair!r}: {why}")
    errors.extend(_size_errors("gallery", gallery.get("n", []), split))
    if "seeds" in gallery and gallery["seeds"][0] > gallery["seeds"][1]:
        errors.append(f"config key gallery.seeds = {_show(gallery['seeds'])}: needs first <= last")
    grid = config["landscapes"]["grid"]
    for axis in ("a", "b"):
        low, high = grid[axis]
        if not low < high:
            errors.append(
                f"config key landscapes.grid.{axis} = {_show(grid[axis])}: needs low < high"
            )
    errors.extend(render_errors(config.get("render") or {}, DEFAULT_RENDER))
    traj = config["trajectories"]
    names: dict[str, int] = {}
    values: dict[tuple[float, float], int] = {}
    for i, (a, b) in enumerate(traj["starts"]):
        name = start_name(a, b)
        if name in names:
            errors.append(
                f"config key trajectories.starts[{i}] = {_show([a, b])}: same file name "
                f"{name!r} as trajectories.starts[{names[name]}]"
            )
        elif (float(a), float(b)) in values:  # -0.0 and 0: two names, one start
            j = values[float(a), float(b)]
            errors.append(
                f"config key trajectories.starts[{i}] = {_show([a, b])}: the same start as "
                f"trajectories.starts[{j}] = {_show(traj['starts'][j])} under another name"
            )
        names[name] = i
        values.setdefault((float(a), float(b)), i)
    errors.extend(duplicate_pair_errors(config))
    if not any(given is not None for given in traj["optimizers"].values()):
        errors.append(
            "config key trajectories.optimizers: every optimizer is null; keep at least one"
        )
    for name, given in traj["optimizers"].items():
        if given is None:  # switched off in an override file
            continue
        try:
            optimizer_constants(name, given)
        except ValueError as exc:
            errors.append(f"config key trajectories.optimizers.{name} = {_show(given)}: {exc}")
    errors.extend(analysis_errors(config))
    errors.extend(whole_network_errors(config))
    return errors


#: The config sections whose `pairs` list weight pairs (each pair one landscape per cross product).
PAIR_SECTIONS = ("landscapes", "trajectories", "gallery")


def duplicate_pair_errors(config: dict[str, Any]) -> list[str]:
    """Pairs naming the same two weights under another spelling, in any of the pair lists.

    Pairs are compared by the weights they name: w2-05-250 is w2-5-250, and {wb}_{wa} is the
    landscape of {wa}_{wb} transposed. Either would compute one landscape twice, under two
    file names. The same spelling in two sections is one landscape and fine.
    """
    first: dict[frozenset[Any], tuple[str, str]] = {}
    errors = []
    for section in PAIR_SECTIONS:
        for i, pair in enumerate((config.get(section) or {}).get("pairs", [])):
            try:
                weights = parse_pair(str(pair))
            except NameError_:
                continue  # named by check_pair
            found = frozenset(weights)
            if len(found) < 2:
                continue  # the same weight twice: named by check_pair
            key = f"{section}.pairs[{i}]"
            if found not in first:
                first[found] = (key, str(pair))
                continue
            other_key, other = first[found]
            if str(pair) == other:
                continue
            how = (
                "spelled differently"
                if weights == parse_pair(other)
                else "the same two weights swapped (the same landscape, transposed)"
            )
            errors.append(
                f"config key {key} = {str(pair)!r}: names the same weights as {other_key} = "
                f"{other!r}, {how}; one landscape would be computed twice under two names: "
                f"spell it {other!r}"
            )
    return errors


#: Keys that were replaced, with what replaced them (the message names both).
REPLACED_KEYS = {
    ("training", "optimizers"): (
        "training.runs (name -> optimizer, its constants and batch: whole-network training "
        "needs other learning rates than the pair slices), e.g. runs: {sgd: {optimizer: sgd, "
        "lr: 0.5}, adam: {optimizer: adam, lr: 0.001, eps: 1.0e-8}}"
    ),
}


def replaced_key_errors(config: dict[str, Any]) -> list[str]:
    """Keys of an older config that were replaced: say what replaced them."""
    return [
        f"config key {section}.{key} = {_show(config[section][key])}: replaced by {instead}"
        for (section, key), instead in REPLACED_KEYS.items()
        if isinstance(config.get(section), dict) and key in config[section]
    ]


def active_runs(training: dict[str, Any]) -> dict[str, Any]:
    """training.runs without the runs set to null (dropped by an override file)."""
    runs = training.get("runs") or {}
    return {name: given for name, given in runs.items() if given is not None}


def training_runs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every run of the (validated) config: optimizer, its full constants, batch (None: full)."""
    runs = {}
    for name, given in active_runs(config["training"]).items():
        given = dict(given)
        optimizer, batch = given.pop("optimizer"), given.pop("batch", None)
        constants = optimizer_constants(str(optimizer), given)
        runs[str(name)] = {"optimizer": str(optimizer), "constants": constants, "batch": batch}
    return runs


def sharpness_setting(config: dict[str, Any]) -> dict[str, int] | None:
    """training.sharpness with its defaults filled ({eigenvalues}), or None for none."""
    given = (config.get("training") or {}).get("sharpness", {})
    return None if given is None else {"eigenvalues": int(given.get("eigenvalues", 2))}


def spectrum_setting(config: dict[str, Any]) -> dict[str, Any] | None:
    """training.spectrum with its defaults filled ({at, lanczos, probes}), or None for none."""
    given = (config.get("training") or {}).get("spectrum", {})
    if given is None:
        return None
    at = [a if a in ("first", "last") else int(a) for a in given.get("at", ["first", "last"])]
    lanczos, probes = int(given.get("lanczos", 80)), int(given.get("probes", 4))
    return {"at": at, "lanczos": lanczos, "probes": probes}


def _spectrum_errors(training: dict[str, Any]) -> list[str]:
    """Epochs of training.spectrum.at that are no snapshot of the runs."""
    spec = training.get("spectrum", {})
    if not isinstance(spec, dict):
        return []
    epochs, count = training.get("epochs", 2000), training.get("snapshots", 100)
    if not (isinstance(epochs, int) and isinstance(count, int) and epochs >= 1 and count >= 3):
        return []
    kept = [int(e) for e in snapshot_epochs(epochs, count)]
    wrong = [a for a in spec.get("at", []) if isinstance(a, int) and a not in kept]
    if not wrong:
        return []
    shown = ", ".join(map(str, kept[:6])) + (f", ..., {kept[-1]}" if len(kept) > 6 else "")
    return [
        f"config key training.spectrum.at = {_show(spec.get('at'))}: epoch "
        f"{', '.join(map(str, wrong))} is no snapshot of the runs (training.epochs = {epochs}, "
        f"training.snapshots = {count} keep epochs {shown}); use first, last or one of those"
    ]


def training_errors(config: dict[str, Any]) -> list[str]:
    """Runs: their names, optimizers, constants and batches; the held-out images; the spectrum's
    snapshots."""
    training = config.get("training") or {}
    split = config["mnist"]["split"]
    ns = [int(n) for n in training.get("n", []) if isinstance(n, int)]
    errors = []
    for name, given in active_runs(training).items():
        key = f"config key training.runs.{name}"
        why = check_run_name(str(name))
        if why:
            errors.append(f"{key}: {why}")
        given = dict(given or {})
        optimizer, batch = given.pop("optimizer", None), given.pop("batch", None)
        try:
            optimizer_constants(str(optimizer), given)
        except ValueError as exc:
            errors.append(f"{key} = {_show({'optimizer': optimizer, **given})}: {exc}")
        for n in ns:
            if batch is not None and batch > n:
                errors.append(
                    f"{key}.batch = {batch}: more samples than the run's N = {n} "
                    f"(training.n); a batch is 1 to N samples, or null for full batch"
                )
    held = training.get("heldout", "auto")
    if held == "auto" and split == "test" and ns and max(ns) > HELDOUT_TEST_N:
        errors.append(
            f"config key training.heldout = 'auto': the runs train on the test split, whose "
            f"held-out images are its last {HELDOUT_TEST_N:,}, but training.n = {max(ns):,} "
            f"reaches into them; give the held-out images as {{split, first, n}}, or null"
        )
    elif isinstance(held, dict) and {"split", "first", "n"} <= set(held):
        size = SPLIT_SIZE[held["split"]]
        if held["first"] + held["n"] > size:
            errors.append(
                f"config key training.heldout = {_show(held)}: images {held['first']} to "
                f"{held['first'] + held['n'] - 1} do not exist (the {held['split']} split has "
                f"{size:,})"
            )
        if held["split"] == split and ns and held["first"] < max(ns):
            errors.append(
                f"config key training.heldout = {_show(held)}: overlaps the first "
                f"{max(ns):,} images of the {split} split that runs train on (training.n); "
                f"held-out images must start at {max(ns)} or later"
            )
    return errors + _spectrum_errors(training)


#: How each kind of whole-network name is checked and spelled canonically (random00 is random0).
_NAMES = {
    "plane": (check_plane, lambda name: parse_plane(name).name),
    "line": (check_line, lambda name: parse_line(name).name),
}


def _name_errors(section: str, kind: str, names: list[Any], runs: list[str]) -> list[str]:
    """Names of `section`.names that are no valid `kind` of the runs, or one listed twice under
    two spellings (it would be computed twice under two names)."""
    check, canonical_of = _NAMES[kind]
    errors, seen = [], {}
    for i, name in enumerate(names):
        key = f"config key {section}.names[{i}] = {name!r}"
        why = check(str(name), runs)
        if why:
            errors.append(f"{key}: {why}")
            continue
        canonical = canonical_of(str(name))
        if canonical in seen:
            j = seen[canonical]
            errors.append(
                f"{key}: the same {kind} as {section}.names[{j}] = {names[j]!r} under another "
                "spelling (it would be computed twice under two names); keep one"
            )
        seen.setdefault(canonical, i)
    return errors


def whole_network_errors(config: dict[str, Any]) -> list[str]:
    """Training runs, held-out images; planes and lines name valid anchors; ranges."""
    training = config.get("training") or {}
    split = config["mnist"]["split"]
    runs = [str(name) for name in active_runs(training)]
    errors = []
    errors.extend(_whole_number_errors("training", training))
    errors.extend(_size_errors("training", training.get("n", []), split))
    errors.extend(training_errors(config))
    planes = config.get("planes") or {}
    errors.extend(_name_errors("planes", "plane", planes.get("names", []), runs))
    for axis in ("a", "b"):
        given = (planes.get("grid") or {}).get(axis, "auto")
        if given == "auto":
            continue
        low, high = given
        if not low < high:
            errors.append(
                f"config key planes.grid.{axis} = {_show([low, high])}: needs low < high "
                "(a grid range of zero width has no points to show)"
            )
    lines = config.get("lines") or {}
    errors.extend(_name_errors("lines", "line", lines.get("names", []), runs))
    low, high = lines.get("t", [0, 1])
    if not low < high:
        errors.append(f"config key lines.t = {_show([low, high])}: needs low < high")
    return errors


def analysis_errors(config: dict[str, Any]) -> list[str]:
    """Basin maps run configured optimizers (their constants); analysed planes are configured."""
    analysis = config.get("analysis") or {}
    basins = analysis.get("basins") or {}
    planes = [str(name) for name in (config.get("planes") or {}).get("names", [])]
    configured = [
        name for name, given in config["trajectories"]["optimizers"].items() if given is not None
    ]
    errors = []
    for i, name in enumerate(basins.get("optimizers", [])):
        if name not in configured:
            errors.append(
                f"config key analysis.basins.optimizers[{i}] = {name!r}: not configured in "
                f"trajectories.optimizers (its constants come from there); configured: "
                f"{', '.join(configured) or 'none'}"
            )
    for i, name in enumerate(analysis.get("planes", [])):
        if str(name) not in planes:
            errors.append(
                f"config key analysis.planes[{i}] = {name!r}: not in planes.names (an analysed "
                f"plane is one of the configured planes); configured: {', '.join(planes) or 'none'}"
            )
    return errors


def _kind(value: Any) -> str:
    """A coarse JSON type name for comparing a render option with its default."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


#: Render options whose default is null but whose value, when given, is a list.
LIST_OR_NULL = ("frames", "zlim")


def render_errors(given: Any, default: Any, key: str = "render") -> list[str]:
    """Unknown render options, and values whose type differs from the default's."""
    if not isinstance(given, dict):
        return [f"config key {key} = {_show(given)}: must be a mapping"]
    errors = []
    free_form = key.endswith(("optimizer_colors", "optimizer_labels"))
    for name, value in given.items():
        sub = f"{key}.{name}"
        if name not in default:
            if not free_form:
                allowed = ", ".join(sorted(default))
                hint = (
                    f" (now named {key}.{RENAMED[name]})"
                    if key == "render" and name in RENAMED
                    else ""
                )
                errors.append(f"config key {sub}: unknown render option{hint}; allowed: {allowed}")
            continue
        base = default[name]
        if isinstance(base, dict):
            errors.extend(render_errors(value, base, sub))
        elif base is not None and value is not None and _kind(value) != _kind(base):
            errors.append(f"config key {sub} = {_show(value)}: must be {_kind(base)}")
        elif base is None and name in LIST_OR_NULL and not isinstance(value, list | None):
            errors.append(f"config key {sub} = {_show(value)}: must be a list or null")
        elif sub == "render.contact_sheet.order_by" and value not in (None, *SHEET_ORDER_COLUMNS):
            allowed = ", ".join(SHEET_ORDER_COLUMNS)
            errors.append(f"config key {sub} = {_show(value)}: must be null or one of {allowed}")
        elif sub == "render.contact_sheet.per_page" and (type(value) is not int or value < 1):
            errors.append(f"config key {sub} = {_show(value)}: must be a whole number >= 1")
        elif sub == "render.contact_sheet.descending" and not isinstance(value, bool):
            errors.append(f"config key {sub} = {_show(value)}: must be true or false")
    return errors


#: Summary columns a contact sheet can be ordered by (numeric, one value per landscape).
SHEET_ORDER_COLUMNS = (
    "cost_min", "cost_max", "minima", "maxima", "saddles", "degenerate", "lowest_minimum_cost",
    "plateau_share", "seed",
)  # fmt: skip


@contextmanager
def switched_off_as_empty(config: dict[str, Any]) -> Iterator[list[str]]:
    """Let Snakemake's validate fill defaults in a config with null sections switched off.

    validate(..., set_default=True) descends into every mapping with defaults and fails on a
    null one: an optimizer or a training run switched off in an override file,
    training.sharpness or training.spectrum null. Inside the block each null optimizer, sharpness
    or spectrum is an empty mapping and each null run is left out; on leaving, all are as given
    (and nothing is filled below them). Yields their keys.
    """
    optimizers = (config.get("trajectories") or {}).get("optimizers") or {}
    training = config.get("training") or {}
    runs = training.get("runs") or {}
    kept_runs = dict(runs)
    off = [(optimizers, name) for name, given in optimizers.items() if given is None]
    off += [(training, key) for key in ("sharpness", "spectrum") if key in training
            and training[key] is None]  # fmt: skip
    for section, key in off:
        section[key] = {}
    dropped = [name for name, given in kept_runs.items() if given is None]
    for name in dropped:  # a run has no defaults to fill, but `optimizer` is required
        del runs[name]
    try:
        yield [key for _, key in off] + dropped
    finally:
        for section, key in off:
            section[key] = None
        if dropped:
            given = {name: runs.get(name, kept_runs[name]) for name in kept_runs}
            runs.clear()
            runs.update(given)


def check_schema(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Raise ConfigError listing every non-finite number and every schema violation.

    A key holding a non-finite number is named once, by the finiteness message (the schema's
    own message about it, if any, would only repeat it less clearly).
    """
    nonfinite = nonfinite_errors(config)
    keys = {error.split(" = ", 1)[0] for error in nonfinite}
    replaced = replaced_key_errors(config)
    gone = [f"'{key}' was unexpected" for (_, key) in REPLACED_KEYS]
    rest = [
        e
        for e in schema_errors(config, schema)
        if e.split(" = ", 1)[0] not in keys and not (replaced and any(g in e for g in gone))
    ]
    training = config.get("training") or {}
    no_run = training.get("runs") and not active_runs(training)
    every_null = ["config key training.runs: every run is null; keep at least one"]
    every_null = every_null if no_run else []
    raise_if(replaced + nonfinite + rest + every_null)


def check_semantics(config: dict[str, Any]) -> None:
    """Raise ConfigError listing every semantic problem (of a schema-valid, defaulted config)."""
    raise_if(semantic_errors(config))


def raise_if(errors: list[str]) -> None:
    """Raise one ConfigError that lists all errors, if any."""
    if errors:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(errors))


# ---------------------------------------------------------------------- what this machine can do
def _all_grid_ns(config: dict[str, Any]) -> list[int]:
    """Every N a grid is computed at (landscapes, trajectories and the gallery share the grid)."""
    sections = [config.get(name) or {} for name in PAIR_SECTIONS]
    return sorted({int(n) for sec in sections for n in sec.get("n", [])})


#: The rules whose jobs' memory grows with the pair landscapes' grid resolution.
GRID_RULES = ("grid", "critical_points", "plateaus")


def memory_errors(
    config: dict[str, Any], limit_mb: int, source: str, sized: Collection[str] = ()
) -> list[str]:
    """Resolutions and epochs whose jobs' own memory estimate (resources.py) exceeds the limit.

    A job above the limit could not run here; its key is refused before any job starts, with
    the estimate of the largest such job. Rules in `sized` (whose mem_mb the user set with
    --set-resources) are not estimated: their memory is the user's.
    """
    landscapes, traj = config["landscapes"], config["trajectories"]
    basins = (config.get("analysis") or {}).get("basins") or {}
    resolution = int(landscapes["grid"]["resolution"])
    key = "landscapes.grid.resolution"
    checks = [(key, resolution, rule, _all_grid_ns(config)) for rule in GRID_RULES]
    checks.append(("trajectories.epochs", int(traj["epochs"]), "trajectory", traj["n"]))
    if basins.get("optimizers"):
        checks.append(
            ("analysis.basins.resolution", int(basins["resolution"]), "basins", traj["n"])
        )
    worst: dict[str, tuple[int, str, int, int]] = {}
    for key, value, rule, ns in checks:
        if rule in sized:
            continue
        for n in ns:
            mb = resources.mem_mb(rule, resources.JobSizes.of(config, {"n": n}))
            if mb > limit_mb and mb > worst.get(key, (0,))[0]:
                worst[key] = (mb, rule, int(n), value)
    return [
        f"config key {key} = {value}: a {rule} job at N = {n} needs an estimated {mb:,} MB "
        f"(losslandscape.resources), more than the limit of {limit_mb:,} MB ({source}); lower "
        f"it, or for a bigger machine raise the limit with `--resources mem_mb=...` or size "
        f"the rule with `--set-resources {rule}:mem_mb=...` (e.g. in a cluster profile)"
        for key, (mb, rule, n, value) in worst.items()
    ]


def check_memory(
    config: dict[str, Any], limit_mb: int, source: str, sized: Collection[str] = ()
) -> None:
    """Raise ConfigError if a job's memory estimate exceeds the limit (memory_errors)."""
    raise_if(memory_errors(config, limit_mb, source, sized))


def gallery_landscapes(config: dict[str, Any]) -> int:
    """Number of landscapes of the gallery sweep: seeds x sample sizes x pairs."""
    gallery = config.get("gallery") or {}
    first, last = gallery.get("seeds", [0, -1])
    seeds = max(0, int(last) - int(first) + 1)
    return seeds * len(gallery.get("n", [])) * len(gallery.get("pairs", []))


def gallery_size_errors(config: dict[str, Any], limit: int | None = None) -> list[str]:
    """A gallery sweep too large for Snakemake to plan on this machine (time and memory).

    `limit`: the most landscapes (default resources.planning_limit(), from this machine's
    memory).
    """
    limit = resources.planning_limit() if limit is None else limit
    count = gallery_landscapes(config)
    if count <= limit:
        return []
    seeds = config["gallery"]["seeds"]
    return [
        f"config key gallery.seeds = {_show(seeds)}: the gallery sweep has {count:,} landscapes "
        f"({seeds[1] - seeds[0] + 1:,} seeds x {len(config['gallery']['n'])} N x "
        f"{len(config['gallery']['pairs'])} pairs), more than the {limit:,} landscapes a run "
        f"may plan on this machine ({resources.PLANNING_NOTE}); sweep a narrower seed range "
        "per run"
    ]


def check_gallery_size(config: dict[str, Any]) -> None:
    """Raise ConfigError if the gallery sweep is too large to plan (gallery_size_errors)."""
    raise_if(gallery_size_errors(config))
