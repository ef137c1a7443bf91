"""Names of weights, pairs and start points, as paths and the config spell them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .directions import DIRECTION_KINDS, direction_pattern

WEIGHT_RE = re.compile(r"^w(\d+)-(\d+)-(\d+)$")
PAIR_PATTERN = r"w\d+-\d+-\d+_w\d+-\d+-\d+"
START_PATTERN = r"a[^_/]+_b[^_/]+"
INPUT_SIZE = 784
OUTPUT_SIZE = 10


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


def layer_sizes(hidden: list[int] | tuple[int, ...]) -> list[int]:
    """Unit counts of every layer from input to output, e.g. [784, 50, 500, 10]."""
    return [INPUT_SIZE, *[int(h) for h in hidden], OUTPUT_SIZE]


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


# ---------------------------------------------------------------------- whole-network views
#: Where a plane or a line is anchored: the seed's initial network, or a training run's final
#: state (a run is named by its optimizer).
INIT = "init"
#: A plane's name: `{centre}-{directions}`, directions from losslandscape.directions.
PLANE_PATTERN = rf"[a-z]+-(?:{direction_pattern()})"
LINE_PATTERN = r"[a-z]+_[a-z]+"


@dataclass(frozen=True)
class Plane:
    """A plane `{centre}-{directions}`: centre `init` or a run; random{k}, pca or hessian."""

    centre: str
    kind: str
    k: int | None = None

    @property
    def name(self) -> str:
        """The path spelling, e.g. `init-random0`, `sgd-pca`."""
        return f"{self.centre}-{self.kind}{'' if self.k is None else self.k}"


def parse_plane(name: str) -> Plane:
    """Parse `{centre}-{directions}` (no check that the centre is a configured run)."""
    m = re.match(r"^([a-z]+)-([a-z]+)(\d*)$", name)
    kind = DIRECTION_KINDS.get(m.group(2)) if m else None
    if m is None or kind is None or bool(m.group(3)) != kind.numbered:
        known = ", ".join(f"{k.name}{{k}}" if k.numbered else k.name
                          for k in DIRECTION_KINDS.values())  # fmt: skip
        raise NameError_(
            f"plane {name!r} is not of the form {{centre}}-{{directions}} with directions "
            f"{known}, e.g. init-random0, sgd-pca"
        )
    return Plane(m.group(1), kind.name, int(m.group(3)) if kind.numbered else None)


def parse_line(name: str) -> tuple[str, str]:
    """Parse `{from}_{to}` into its two ends, each `init` or a run's name."""
    m = re.match(r"^([a-z]+)_([a-z]+)$", name)
    if not m:
        raise NameError_(f"line {name!r} is not of the form {{from}}_{{to}}, e.g. init_sgd")
    return m.group(1), m.group(2)


def check_plane(name: str, runs: list[str] | tuple[str, ...]) -> str | None:
    """Why `name` is not a plane of the configured runs (None when it is)."""
    try:
        plane = parse_plane(name)
    except NameError_ as exc:
        return str(exc)
    anchors = [INIT, *runs]
    if plane.centre not in anchors:
        return f"centre {plane.centre!r} is neither init nor a training run ({', '.join(runs)})"
    if DIRECTION_KINDS[plane.kind].needs_run and plane.centre == INIT:
        return (
            f"{plane.kind} directions come from a training run's snapshots: the centre must be "
            "a run"
        )
    return None


def check_line(name: str, runs: list[str] | tuple[str, ...]) -> str | None:
    """Why `name` is not a line between two distinct anchors (None when it is)."""
    try:
        start, end = parse_line(name)
    except NameError_ as exc:
        return str(exc)
    anchors = [INIT, *runs]
    for end_name in (start, end):
        if end_name not in anchors:
            return f"end {end_name!r} is neither init nor a training run ({', '.join(runs)})"
    if start == end:
        return "a line needs two different ends"
    return None
