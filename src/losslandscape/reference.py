"""Deliberately naive reference: fresh init and a full forward (and backward) pass every time.

This is the test oracle for every shortcut the engine takes. It follows the source
documents' code (the article's and the German notebook's) line by line in spirit: scipy's
expit, whole weight matrices, whole batches.
It is slow on purpose; never use it in the pipeline.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .names import Weight
from .network import init_weights


def naive_forward(weights: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """Activations of every layer (input first), each of shape (units, N)."""
    acts = [x.T]
    for w in weights:
        acts.append(expit(w @ acts[-1]))
    return acts


def naive_cost(
    seed: int,
    hidden: list[int],
    x: np.ndarray,
    y: np.ndarray,
    wa: Weight,
    wb: Weight,
    u: float,
    v: float,
) -> float:
    """The seeds' costs(): fresh init, set the two weights, full forward, mean squared error sum."""
    weights = init_weights(seed, hidden)
    weights[wa.layer][wa.row, wa.col] = u
    weights[wb.layer][wb.row, wb.col] = v
    pred = naive_forward(weights, x)[-1]
    return float(np.mean(np.sum((y.T - pred) ** 2, axis=0)))


def naive_grid(
    seed: int,
    hidden: list[int],
    x: np.ndarray,
    y: np.ndarray,
    wa: Weight,
    wb: Weight,
    a_values: np.ndarray,
    b_values: np.ndarray,
) -> np.ndarray:
    """Cost at every meshgrid point, in numpy.meshgrid ravel order (w_a fastest)."""
    m1, m2 = np.meshgrid(a_values, b_values)
    points = zip(m1.ravel(), m2.ravel(), strict=True)
    return np.array([naive_cost(seed, hidden, x, y, wa, wb, p, q) for p, q in points])


def naive_gradients(
    weights: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[list[np.ndarray], float]:
    """Full backprop of J/2 for every weight matrix, and J, at the given weights."""
    acts = naive_forward(weights, x)
    pred = acts[-1]
    n = x.shape[0]
    cost = float(np.mean(np.sum((y.T - pred) ** 2, axis=0)))
    delta = (pred - y.T) * pred * (1 - pred)  # d(J/2)/dz * N, the seeds' expression
    grads: list[np.ndarray] = [np.empty(0)] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        grads[k] = delta @ acts[k].T / n
        if k > 0:
            delta = (weights[k].T @ delta) * acts[k] * (1 - acts[k])
    return grads, cost


def naive_trajectory(
    seed: int,
    hidden: list[int],
    x: np.ndarray,
    y: np.ndarray,
    wa: Weight,
    wb: Weight,
    optimizer: str,
    constants: dict[str, float],
    start: tuple[float, float],
    epochs: int,
) -> dict[str, np.ndarray]:
    """Train only the two weights as the seeds do, with whole-matrix optimizer state.

    Row k holds the weights after k updates and the cost there (epochs+1 rows).
    """
    weights = init_weights(seed, hidden)
    weights[wa.layer][wa.row, wa.col] = start[0]
    weights[wb.layer][wb.row, wb.col] = start[1]
    state: dict[str, list[np.ndarray]] = {
        key: [np.zeros_like(w) for w in weights] for key in ("v", "s", "m")
    }
    c = constants
    ws_a, ws_b, costs = [], [], []
    for t in range(1, epochs + 2):
        grads, cost = naive_gradients(weights, x, y)
        ws_a.append(weights[wa.layer][wa.row, wa.col])
        ws_b.append(weights[wb.layer][wb.row, wb.col])
        costs.append(cost)
        if t == epochs + 1:
            break
        for w in (wa, wb):
            k, i, j = w.layer, w.row, w.col
            g = grads[k][i, j]
            v, s, m = state["v"][k], state["s"][k], state["m"][k]
            if optimizer == "sgd":
                weights[k][i, j] -= c["lr"] * g
            elif optimizer == "momentum":
                v[i, j] = c["rho"] * v[i, j] + g
                weights[k][i, j] -= c["lr"] * v[i, j]
            elif optimizer == "nesterov":
                old = v[i, j]
                v[i, j] = c["rho"] * v[i, j] - c["lr"] * g
                weights[k][i, j] += v[i, j] + c["rho"] * (v[i, j] - old)
            elif optimizer == "rmsprop":
                s[i, j] = c["rho"] * s[i, j] + (1 - c["rho"]) * g * g
                weights[k][i, j] -= c["lr"] * g / (np.sqrt(s[i, j]) + c["eps"])
            elif optimizer == "adam":
                m[i, j] = c["beta1"] * m[i, j] + (1 - c["beta1"]) * g
                s[i, j] = c["beta2"] * s[i, j] + (1 - c["beta2"]) * g * g
                m_hat = m[i, j] / (1 - c["beta1"] ** t)
                s_hat = s[i, j] / (1 - c["beta2"] ** t)
                weights[k][i, j] -= c["lr"] * m_hat / (np.sqrt(s_hat) + c["eps"])
            elif optimizer == "adagrad":
                s[i, j] = s[i, j] + g * g
                weights[k][i, j] -= c["lr"] * g / (np.sqrt(s[i, j]) + c["eps"])
            elif optimizer == "nadam":
                m[i, j] = c["beta1"] * m[i, j] + (1 - c["beta1"]) * g
                s[i, j] = c["beta2"] * s[i, j] + (1 - c["beta2"]) * g * g
                m_hat = m[i, j] / (1 - c["beta1"] ** t)
                s_hat = s[i, j] / (1 - c["beta2"] ** t)
                look = c["beta1"] * m_hat + (1 - c["beta1"]) * g / (1 - c["beta1"] ** t)
                weights[k][i, j] -= c["lr"] * look / (np.sqrt(s_hat) + c["eps"])
            else:
                raise ValueError(f"unknown optimizer {optimizer!r}")
    return {
        "epoch": np.arange(epochs + 1, dtype=np.int64),
        "w_a": np.array(ws_a),
        "w_b": np.array(ws_b),
        "cost": np.array(costs),
    }
