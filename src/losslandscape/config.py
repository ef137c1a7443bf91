"""Config checks: the JSON schema with messages that name key and value, then what it can't say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .data.mnist import SPLIT_SIZE
from .landscape.directions import check_line, check_plane
from .network.names import check_pair, start_name
from .optimizers import constants as optimizer_constants
from .render.options import DEFAULT_RENDER, RENAMED


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
    for i, (a, b) in enumerate(traj["starts"]):
        name = start_name(a, b)
        if name in names:
            errors.append(
                f"config key trajectories.starts[{i}] = {_show([a, b])}: same file name "
                f"{name!r} as trajectories.starts[{names[name]}]"
            )
        names[name] = i
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


def whole_network_errors(config: dict[str, Any]) -> list[str]:
    """Training runs use configured optimizers; planes and lines name valid anchors; ranges."""
    training = config.get("training") or {}
    split = config["mnist"]["split"]
    configured = [
        name for name, given in config["trajectories"]["optimizers"].items() if given is not None
    ]
    runs = [str(name) for name in training.get("optimizers", [])]
    errors = []
    errors.extend(_whole_number_errors("training", training))
    for i, name in enumerate(runs):
        if name not in configured:
            errors.append(
                f"config key training.optimizers[{i}] = {name!r}: not configured in "
                f"trajectories.optimizers (its constants come from there); configured: "
                f"{', '.join(configured) or 'none'}"
            )
    errors.extend(_size_errors("training", training.get("n", []), split))
    planes = config.get("planes") or {}
    for i, name in enumerate(planes.get("names", [])):
        why = check_plane(str(name), runs)
        if why:
            errors.append(f"config key planes.names[{i}] = {name!r}: {why}")
    for axis in ("a", "b"):
        low, high = (planes.get("grid") or {}).get(axis, [0, 1])
        if not low < high:
            errors.append(
                f"config key planes.grid.{axis} = {_show([low, high])}: needs low < high "
                "(a grid range of zero width has no points to show)"
            )
    lines = config.get("lines") or {}
    for i, name in enumerate(lines.get("names", [])):
        why = check_line(str(name), runs)
        if why:
            errors.append(f"config key lines.names[{i}] = {name!r}: {why}")
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
def optimizers_switched_off_as_empty(config: dict[str, Any]) -> Iterator[list[str]]:
    """Let Snakemake's validate fill defaults in a config with null optimizers.

    validate(..., set_default=True) descends into every optimizer to fill its constants and
    fails on a null one (an optimizer switched off in an override file). Inside the block a
    null optimizer is an empty mapping; on leaving, it is null again. Yields their names.
    """
    optimizers = (config.get("trajectories") or {}).get("optimizers") or {}
    off = [name for name, given in optimizers.items() if given is None]
    for name in off:
        optimizers[name] = {}
    try:
        yield off
    finally:
        for name in off:
            optimizers[name] = None


def check_schema(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Raise ConfigError listing every schema violation."""
    raise_if(schema_errors(config, schema))


def check_semantics(config: dict[str, Any]) -> None:
    """Raise ConfigError listing every semantic problem (of a schema-valid, defaulted config)."""
    raise_if(semantic_errors(config))


def raise_if(errors: list[str]) -> None:
    """Raise one ConfigError that lists all errors, if any."""
    if errors:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(errors))
