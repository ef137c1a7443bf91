"""Update rules for the two trained weights: the source documents' five, plus adagrad and nadam.

Every rule uses only arithmetic operators, so one definition serves Python floats (a single
trajectory, fastest in a tight loop) and numpy arrays (many starts at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Each optimizer's constants and their defaults (the source documents' values where they have one).
DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {"lr": 10.0},
    "momentum": {"lr": 10.0, "rho": 0.9},
    "nesterov": {"lr": 10.0, "rho": 0.9},
    "rmsprop": {"lr": 10.0, "rho": 0.9, "eps": 0.1},
    "adam": {"lr": 10.0, "beta1": 0.9, "beta2": 0.999, "eps": 0.1},
    "adagrad": {"lr": 10.0, "eps": 0.1},
    "nadam": {"lr": 10.0, "beta1": 0.9, "beta2": 0.999, "eps": 0.1},
}

NAMES = tuple(DEFAULTS)

Step = Callable[[Any, Any, int], Any]


def constants(name: str, given: dict[str, float] | None) -> dict[str, float]:
    """The optimizer's full constants: defaults overridden by `given`; unknown keys are errors."""
    if name not in DEFAULTS:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(NAMES)}")
    given = dict(given or {})
    unknown = sorted(set(given) - set(DEFAULTS[name]))
    if unknown:
        raise ValueError(
            f"optimizer {name!r} has no constant(s) {unknown}; allowed: {sorted(DEFAULTS[name])}"
        )
    return {**DEFAULTS[name], **{k: float(v) for k, v in given.items()}}


def make_step(name: str, c: dict[str, float]) -> Step:
    """A stateful update `step(w, g, t) -> new w` for one weight (t = 1, 2, ... counts updates).

    Call one step function per trained weight; state starts at zero as in the seeds.
    """
    c = constants(name, c)
    lr = c["lr"]
    # The state (velocity v, squared-gradient average s, first moment m) starts at zero as in the
    # seeds; closures over locals keep the per-epoch cost of a tight Python loop low.
    v: Any = 0.0
    s: Any = 0.0
    m: Any = 0.0

    if name == "sgd":

        def step(w: Any, g: Any, t: int) -> Any:
            return w - lr * g

    elif name == "momentum":
        rho = c["rho"]

        def step(w: Any, g: Any, t: int) -> Any:
            nonlocal v
            v = rho * v + g
            return w - lr * v

    elif name == "nesterov":
        rho = c["rho"]

        def step(w: Any, g: Any, t: int) -> Any:
            nonlocal v
            old = v
            v = rho * old - lr * g
            return w + v + rho * (v - old)

    elif name == "rmsprop":
        rho, eps = c["rho"], c["eps"]

        def step(w: Any, g: Any, t: int) -> Any:
            nonlocal s
            s = rho * s + (1 - rho) * g * g
            return w - lr * g / (s**0.5 + eps)

    elif name == "adagrad":
        eps = c["eps"]

        def step(w: Any, g: Any, t: int) -> Any:
            nonlocal s
            s = s + g * g
            return w - lr * g / (s**0.5 + eps)

    else:  # adam, and nadam: adam with a Nesterov look-ahead on the first moment
        b1, b2, eps = c["beta1"], c["beta2"], c["eps"]
        nesterov = name == "nadam"

        def step(w: Any, g: Any, t: int) -> Any:
            nonlocal m, s
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g * g
            m_hat = m / (1 - b1**t)
            s_hat = s / (1 - b2**t)
            if nesterov:
                m_hat = b1 * m_hat + (1 - b1) * g / (1 - b1**t)
            return w - lr * m_hat / (s_hat**0.5 + eps)

    return step


def stability_threshold(name: str, constants: dict[str, float], batch: int | None) -> float | None:
    """The sharpness above which a full-batch run's quadratic model diverges: 2/lr for gradient
    descent, (2 + 2 rho)/lr for heavy-ball momentum; None for other rules and mini-batches."""
    if batch is not None:
        return None
    if name == "sgd":
        return 2.0 / float(constants["lr"])
    if name == "momentum":
        return (2.0 + 2.0 * float(constants["rho"])) / float(constants["lr"])
    return None
