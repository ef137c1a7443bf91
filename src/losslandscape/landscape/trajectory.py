"""Train the two coordinates of a landscape from a start point, recording every state on it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..optimizers import make_step
from .surface import Surface


@dataclass
class Trajectory:
    """epochs+1 states (fewer when it diverged): row k = coordinates after k updates, J there."""

    epoch: np.ndarray
    a: np.ndarray  # the first coordinate (w_a of a pair, alpha of a plane)
    b: np.ndarray  # the second coordinate
    cost: np.ndarray
    diverged_at: int | None  # first epoch whose state or cost is not finite


def run_trajectory(
    surface: Surface,
    optimizer: str,
    constants: dict[str, float],
    start: tuple[float, float],
    epochs: int,
) -> Trajectory:
    """Run `epochs` updates of `optimizer` on the two coordinates from `start`, gradient of J/2.

    The gradient of J/2 is what the source documents' update rules follow. On a pair the
    coordinates are (w_a, w_b); on a plane, (alpha, beta).

    A non-finite weight, cost or gradient stops the run: the rows end at that epoch (its state is
    kept so the file shows where it went) and `diverged_at` says which epoch it was.
    """
    f = surface.scalar_cost_and_grad()
    step_a = make_step(optimizer, constants)
    step_b = make_step(optimizer, constants)
    u, v = float(start[0]), float(start[1])
    ws_a = np.empty(epochs + 1)
    ws_b = np.empty(epochs + 1)
    costs = np.empty(epochs + 1)
    diverged = None
    isfinite = math.isfinite
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(epochs + 1):
            ws_a[k] = u
            ws_b[k] = v
            if not (isfinite(u) and isfinite(v)):
                costs[k] = math.nan
                diverged = k
                break
            cost, ga, gb = f(u, v)
            costs[k] = cost
            if not (isfinite(cost) and isfinite(ga) and isfinite(gb)):
                diverged = k
                break
            if k == epochs:
                break
            try:
                u, v = step_a(u, ga, k + 1), step_b(v, gb, k + 1)
            except (OverflowError, ZeroDivisionError):
                u, v = math.nan, math.nan
    n = epochs + 1 if diverged is None else diverged + 1
    return Trajectory(
        epoch=np.arange(n, dtype=np.int64),
        a=ws_a[:n].copy(),
        b=ws_b[:n].copy(),
        cost=costs[:n].copy(),
        diverged_at=diverged,
    )
