"""Deliberately naive reference: fresh init and a full forward (and backward) pass every time.

This is the test oracle for every shortcut the engine takes. It follows the source
documents' code (the article's and the German notebook's) line by line in spirit: scipy's
expit, whole weight matrices, whole batches.
It is slow on purpose; never use it in the pipeline.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .network.model import init_weights
from .network.names import Weight


def naive_forward(weights: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """Activations of every layer (input first), each of shape (units, N)."""
    acts = [x.T]
    for w in weights:
        acts.append(expit(w @ acts[-1]))
    return acts


def _naive_backprop(
    weights: list[np.ndarray], acts: list[np.ndarray], y: np.ndarray
) -> list[np.ndarray]:
    """The source documents' backprop of J/2 from a forward pass's activations: every weight's
    gradient, last layer first computed, whole matrices."""
    pred, n = acts[-1], y.shape[0]
    delta = (pred - y.T) * pred * (1 - pred)  # d(J/2)/dz * N, the source documents' expression
    grads: list[np.ndarray] = [np.empty(0)] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        grads[k] = delta @ acts[k].T / n
        if k > 0:
            delta = (weights[k].T @ delta) * acts[k] * (1 - acts[k])
    return grads


def naive_j_accuracy(pred: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """J (mean over samples of the summed squared errors) and accuracy of outputs `pred`."""
    cost = float(np.mean(np.sum((y.T - pred) ** 2, axis=0)))
    accuracy = float(np.mean(np.argmax(pred, axis=0) == np.argmax(y, axis=1)))
    return cost, accuracy


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
    """The source documents' costs(): fresh init, set the two weights, full forward, J."""
    weights = init_weights(seed, hidden)
    weights[wa.layer][wa.row, wa.col] = u
    weights[wb.layer][wb.row, wb.col] = v
    return naive_cost_accuracy(weights, x, y)[0]


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
    grads, cost, _ = naive_train_epoch(weights, x, y)
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


# ---------------------------------------------------------------- whole-network landscapes
def naive_unflatten(theta: np.ndarray, hidden: list[int]) -> list[np.ndarray]:
    """Weight matrices (copies) of a flat theta: w0, w1, ... each raveled row-major, in order."""
    from .network.model import layer_sizes

    sizes = layer_sizes(hidden)
    weights, offset = [], 0
    for k in range(len(sizes) - 1):
        count = sizes[k + 1] * sizes[k]
        weights.append(np.array(theta[offset : offset + count]).reshape(sizes[k + 1], sizes[k]))
        offset += count
    return weights


def naive_cost_accuracy(
    weights: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[float, float]:
    """J and accuracy (share of samples whose largest output is the label) by a full forward."""
    return naive_j_accuracy(naive_forward(weights, x)[-1], y)


def naive_plane_grid(
    centre: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    alphas: np.ndarray,
    betas: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: list[int],
) -> tuple[np.ndarray, np.ndarray]:
    """J and accuracy at centre + alpha d1 + beta d2 on numpy.meshgrid(alphas, betas), raveled.

    Every point assembles its whole theta, unflattens it and runs a fresh full forward pass.
    """
    m1, m2 = np.meshgrid(alphas, betas)
    costs, accs = [], []
    for a, b in zip(m1.ravel(), m2.ravel(), strict=True):
        theta = centre + a * d1 + b * d2
        cost, accuracy = naive_cost_accuracy(naive_unflatten(theta, hidden), x, y)
        costs.append(cost)
        accs.append(accuracy)
    return np.array(costs), np.array(accs)


def naive_train_epoch(
    weights: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[list[np.ndarray], float, float]:
    """One epoch of the documents' loop before the update: full forward, cost, accuracy, backprop.

    Returns the gradients of J/2 for every weight matrix, and J and the accuracy at `weights`.
    """
    acts = naive_forward(weights, x)
    cost, accuracy = naive_j_accuracy(acts[-1], y)
    grads = _naive_backprop(weights, acts, y)
    return grads, cost, accuracy


def naive_whole_train(
    theta0: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hidden: list[int],
    optimizer: str,
    constants: dict[str, float],
    epochs: int,
    batch: int | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Train every weight for `epochs` epochs; row k is the state after k epochs, J on all N.

    batch None is full batch, one update per epoch. Otherwise epoch k (from 0) visits the
    samples in the order default_rng([seed, k]).permutation(N), `batch` at a time (the last
    batch possibly smaller), one update per batch from that batch's own naive backprop; t counts
    updates. Each weight matrix has its own optimizer state (the rules work element by element).
    """
    from .optimizers import make_step

    weights = naive_unflatten(np.asarray(theta0, dtype=np.float64), hidden)
    steps = [make_step(optimizer, constants) for _ in weights]
    costs, accs = [], []
    if batch is None:
        for t in range(1, epochs + 1):
            grads, cost, accuracy = naive_train_epoch(weights, x, y)
            weights = [step(w, g, t) for step, w, g in zip(steps, weights, grads, strict=True)]
            costs.append(cost)
            accs.append(accuracy)
    else:
        t = 0
        for k in range(epochs):
            cost, accuracy = naive_cost_accuracy(weights, x, y)
            costs.append(cost)
            accs.append(accuracy)
            order = np.random.default_rng([seed, k]).permutation(x.shape[0])
            for i in range(0, x.shape[0], batch):
                rows = order[i : i + batch]
                grads, _, _ = naive_train_epoch(weights, x[rows], y[rows])
                t += 1
                weights = [step(w, g, t) for step, w, g in zip(steps, weights, grads, strict=True)]
    cost, accuracy = naive_cost_accuracy(weights, x, y)
    costs.append(cost)
    accs.append(accuracy)
    return {
        "epoch": np.arange(epochs + 1, dtype=np.int64),
        "cost": np.array(costs),
        "accuracy": np.array(accs),
        "final": np.concatenate([w.ravel() for w in weights]),
    }


def _naive_grad_j(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The flat gradient of J (twice the documents' backprop of J/2); complex weights allowed.

    The sigmoid is written out (no expit) so that a complex step propagates through it.
    """
    acts = [x.T.astype(weights[0].dtype)]
    for w in weights:
        acts.append(1.0 / (1.0 + np.exp(-(w @ acts[-1]))))
    grads = _naive_backprop(weights, acts, y)
    return 2.0 * np.concatenate([g.ravel() for g in grads])


def naive_hessian(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Dense Hessian of J by complex-step differentiation of whole-matrix backprop.

    Column i is Im(grad J(theta + i h e_i)) / h with h = 1e-30: no subtraction, so it is
    exact to rounding and independent of any Hessian-vector product.
    """
    h = 1e-30
    theta = np.concatenate([w.ravel() for w in weights]).astype(np.complex128)
    hidden = [w.shape[0] for w in weights[:-1]]
    hess = np.empty((theta.shape[0], theta.shape[0]))
    for i in range(theta.shape[0]):
        tc = theta.copy()
        tc[i] += 1j * h
        hess[:, i] = _naive_grad_j(naive_unflatten(tc, hidden), x, y).imag / h
    return hess


def naive_plane_derivatives(
    centre: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    alpha: float,
    beta: float,
    x: np.ndarray,
    y: np.ndarray,
    hidden: list[int],
) -> tuple[float, np.ndarray, np.ndarray]:
    """J, gradient (2,) and Hessian (2, 2) of J(alpha, beta) on the plane centre + a d1 + b d2.

    Assembles the whole theta, runs the full backprop (gradient = (d1 . grad J, d2 . grad J))
    and takes each Hessian column d_i^T H d_j by a complex step of the whole gradient along d_j.
    """
    h = 1e-30
    theta = centre + alpha * d1 + beta * d2
    weights = naive_unflatten(theta, hidden)
    cost, _ = naive_cost_accuracy(weights, x, y)
    g = _naive_grad_j(weights, x, y)
    basis = np.stack([d1, d2])
    hess = np.empty((2, 2))
    for j, d in enumerate(basis):
        gj = _naive_grad_j(naive_unflatten(theta + 1j * h * d, hidden), x, y).imag / h
        hess[:, j] = basis @ gj
    return cost, basis @ g, hess
