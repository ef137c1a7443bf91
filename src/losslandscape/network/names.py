"""Names of weights, pairs and start points, as paths and the config spell them.

The one grammar of these names: the config checks, the workflow's wildcards, the jobs and the
figures' labels all parse them here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Hidden, layer_sizes, shapes

WEIGHT_RE = re.compile(r"^w(\d+)-(\d+)-(\d+)$")
PAIR_PATTERN = r"w\d+-\d+-\d+_w\d+-\d+-\d+"
START_PATTERN = r"a[^_/]+_b[^_/]+"


class NameError_(ValueError):
    """A weight, pair or start name that does not follow the project's spelling."""


@dataclass(frozen=True, order=True)
class Weight:
    """One weight: row `row` (target neuron), column `col` (source neuron) of layer `layer`."""

    layer: int
    row: int
    col: int

    @property
    def name(self) -> str:
        """The path spelling, e.g. `w2-5-250`."""
        return f"w{self.layer}-{self.row}-{self.col}"

    @property
    def label(self) -> str:
        """The source documents' spelling for axis labels, e.g. `w2[5,250]`."""
        return f"w{self.layer}[{self.row},{self.col}]"


def parse_weight(name: str) -> Weight:
    """Parse `w{L}-{i}-{j}` into a Weight (no shape check)."""
    m = WEIGHT_RE.match(name)
    if not m:
        raise NameError_(f"weight {name!r} is not of the form w{{L}}-{{i}}-{{j}}, e.g. w2-5-250")
    return Weight(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse_pair(pair: str) -> tuple[Weight, Weight]:
    """Parse `{wa}_{wb}` into its two weights (no shape check)."""
    parts = pair.split("_")
    if len(parts) != 2:
        raise NameError_(f"pair {pair!r} is not of the form {{wa}}_{{wb}}, e.g. w2-5-250_w2-5-251")
    return parse_weight(parts[0]), parse_weight(parts[1])


def check_weight(w: Weight, hidden: list[int] | tuple[int, ...]) -> str | None:
    """Why `w` lies outside the network (None when it is inside)."""
    sizes = layer_sizes(hidden)
    n_layers = len(sizes) - 1
    if w.layer >= n_layers:
        return f"layer {w.layer} does not exist (layers 0..{n_layers - 1})"
    rows, cols = sizes[w.layer + 1], sizes[w.layer]
    if w.row >= rows or w.col >= cols:
        return f"index [{w.row},{w.col}] is outside layer {w.layer}'s shape ({rows}, {cols})"
    return None


def check_pair(pair: str, hidden: list[int] | tuple[int, ...]) -> str | None:
    """Why `pair` is not a valid pair of two distinct weights of the network (None when valid)."""
    try:
        wa, wb = parse_pair(pair)
    except NameError_ as exc:
        return str(exc)
    for w in (wa, wb):
        why = check_weight(w, hidden)
        if why:
            return f"{w.name}: {why}"
    if wa == wb:
        return "the two weights are the same; a pair needs two distinct weights"
    return None


def start_name(a: float, b: float) -> str:
    """The path spelling of a start point: `a{a}_b{b}` with Python's format(x, 'g')."""
    return f"a{format(float(a), 'g')}_b{format(float(b), 'g')}"


def parse_start(name: str) -> tuple[float, float]:
    """Inverse of start_name: `a-9_b15` -> (-9.0, 15.0)."""
    m = re.match(r"^a([^_]+)_b([^_]+)$", name)
    if not m:
        raise NameError_(f"start {name!r} is not of the form a{{a}}_b{{b}}, e.g. a-9_b15")
    try:
        return float(m.group(1)), float(m.group(2))
    except ValueError as exc:
        raise NameError_(f"start {name!r}: {exc}") from None


def weight_names(hidden: Hidden) -> list[str]:
    """Name `w{L}-{i}-{j}` of every entry of a flat theta, in flat order, for tables of weights."""
    return [
        f"w{layer}-{i}-{j}"
        for layer, (rows, cols) in enumerate(shapes(hidden))
        for i in range(rows)
        for j in range(cols)
    ]
