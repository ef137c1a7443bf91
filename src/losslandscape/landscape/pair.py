"""Exact cost and gradient of J as a function of two weights, recomputing only what they touch.

Everything below the lower of the two chosen layers is frozen and computed once. At that layer
only one or two rows of the pre-activation change, so the next layer is rebuilt from a frozen
part plus at most two rank-one terms; only the layers above are recomputed densely. Samples
whose inputs to the chosen weights are zero do not depend on them at all and are evaluated once.
All of it is exact: the same arithmetic as a full forward pass, up to summation order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .. import progress
from ..network.model import sigmoid_
from ..network.names import Weight
from .output_layer import BatchOutputKernel, binary_output_kernel, output_pair_kernel
from .surface import (
    PAIR_COORDINATES,
    GridDerivatives,
    Jet,
    derivatives_from_sums,
    linear_jet,
    sigmoid_jet,
    squared_error_sums,
)

#: float64 elements one working array may hold: cache-sized (512 KiB), so memory stays bounded
#: whatever the grid and N, and each pass over the data runs from cache rather than RAM.
DEFAULT_CHUNK_ELEMENTS = 65_536


@dataclass
class _Block:
    """Frozen data of one block of samples, gathered contiguously once per block."""

    m: int
    h_first: np.ndarray
    h_second: np.ndarray | None
    zt_rows: np.ndarray
    y: np.ndarray | None = None
    k_const: np.ndarray | None = None
    c_next: np.ndarray | None = None
    frozen_col: np.ndarray | None = None


@dataclass(frozen=True)
class SampleGroups:
    """Sample indices by which of the two weights they depend on."""

    none: np.ndarray
    only_a: np.ndarray
    only_b: np.ndarray
    both: np.ndarray


class PairSlice:
    """J(u, v) of a frozen network where weight `wa` = u and weight `wb` = v: a Surface.

    `weights` are the network's matrices (the values of the two chosen entries are ignored),
    `x` is (N, 784) and `y` is (N, 10) one-hot. `chunk_elements` bounds each working array;
    `threads` spreads grid evaluation over that many threads. Derivatives are taken in the
    user's (w_a, w_b) order whatever order is kept internally.
    """

    coordinates = PAIR_COORDINATES
    cheap_hessian = True

    def __init__(
        self,
        weights: list[np.ndarray],
        x: np.ndarray,
        y: np.ndarray,
        wa: Weight,
        wb: Weight,
        chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
        threads: int = 1,
    ) -> None:
        if wa == wb:
            raise ValueError("the two weights of a pair must differ")
        self.swapped = wa.layer > wb.layer
        self.first, self.second = (wb, wa) if self.swapped else (wa, wb)
        self.n = x.shape[0]
        self.chunk_elements = int(chunk_elements)
        self.threads = max(1, int(threads))
        la = self.first.layer
        self.last = len(weights) - 1
        wt = [np.array(w, dtype=np.float64, copy=True) for w in weights]
        for w in (self.first, self.second):
            wt[w.layer][w.row, w.col] = 0.0
        self.wt = wt
        act = np.asarray(x, dtype=np.float64).T  # a view: BLAS reads it transposed, no copy
        for k in range(la):
            act = sigmoid_(wt[k] @ act)
        self.h = act  # input of layer la, shape (s_la, N), independent of both weights
        self.yt = np.ascontiguousarray(y.T, dtype=np.float64)
        zt = wt[la] @ act
        rows = [self.first.row]
        if self.second.layer == la and self.second.row != self.first.row:
            rows.append(self.second.row)
        self.rows = rows
        self.zt_rows = zt[rows]  # (|R|, N) pre-activations of the varying rows, weights zeroed
        frozen = sigmoid_(zt.copy())
        mask = np.ones(zt.shape[0], dtype=bool)
        mask[rows] = False
        if la == self.last:
            # per-sample squared error of the outputs that do not change
            self.k_const = np.sum((self.yt[mask] - frozen[mask]) ** 2, axis=0)
            self.y_rows = self.yt[rows]
        else:
            nxt = wt[la + 1]
            self.c_next = nxt[:, mask] @ frozen[mask]  # frozen contribution to layer la+2
            self.w_rows = np.ascontiguousarray(nxt[:, rows])  # (s_{la+2}, |R|)
            self.frozen_next = frozen  # activations at la+1 (rows R replaced per point)

    # ------------------------------------------------------------------ dependencies
    @cached_property
    def groups(self) -> SampleGroups:
        """Samples split by whether the first/second weight can change their cost."""
        dep_a = self.h[self.first.col] != 0.0
        if self.second.layer == self.first.layer:
            dep_b = self.h[self.second.col] != 0.0
        else:
            dep_b = np.ones(self.n, dtype=bool)
        if self.swapped:
            dep_a, dep_b = dep_b, dep_a
        idx = np.arange(self.n)
        return SampleGroups(
            none=idx[~dep_a & ~dep_b],
            only_a=idx[dep_a & ~dep_b],
            only_b=idx[~dep_a & dep_b],
            both=idx[dep_a & dep_b],
        )

    def _width(self) -> int:
        """Largest number of units per (point, sample) that a forward pass holds at once."""
        la = self.first.layer
        if la == self.last:
            return max(len(self.rows), 1)
        return max(self.wt[k].shape[0] for k in range(la + 1, self.last + 1))

    def _blocks(self, n_points: int, idx: np.ndarray) -> Iterator[tuple[_Block, int]]:
        """Sample blocks (data gathered once) and the points per pass that fit chunk_elements.

        Blocks are sized so that one working array stays cache-sized and memory stays bounded
        whatever the grid and N.
        """
        width = self._width()
        m_step = max(1, min(idx.shape[0], self.chunk_elements // width))
        p_step = max(1, self.chunk_elements // (width * m_step))
        for m0 in range(0, idx.shape[0], m_step):
            yield self._block(idx[m0 : m0 + m_step]), min(p_step, max(n_points, 1))

    def _block(self, idx: np.ndarray) -> _Block:
        """Gather the frozen data of samples idx into contiguous arrays."""
        f, s, la = self.first, self.second, self.first.layer
        blk = _Block(
            m=idx.shape[0],
            h_first=self.h[f.col, idx],
            h_second=self.h[s.col, idx] if s.layer == la else None,
            zt_rows=self.zt_rows[:, idx],
        )
        if la == self.last:
            blk.k_const = self.k_const[idx]
            blk.y = self.y_rows[:, idx]
        else:
            blk.c_next = self.c_next[:, idx]
            blk.y = self.yt[:, idx]
            if s.layer == la + 1 and s.col not in self.rows:
                blk.frozen_col = self.frozen_next[s.col, idx]
        return blk

    # ------------------------------------------------------------------ forward
    def _forward(
        self, u: np.ndarray, v: np.ndarray, blk: _Block, keep: bool
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Per-sample squared error summed over outputs, (P, M); with keep, the activations.

        acts[0] holds the varying rows of layer la's output, acts[i] the output of layer la+i.
        """
        la, s = self.first.layer, self.second
        z_rows = np.empty((u.shape[0], len(self.rows), blk.m))
        z_rows[:] = blk.zt_rows
        z_rows[:, 0, :] += np.multiply.outer(u, blk.h_first)
        if blk.h_second is not None:
            z_rows[:, self.rows.index(s.row), :] += np.multiply.outer(v, blk.h_second)
        a_rows = sigmoid_(z_rows)
        acts: list[np.ndarray] = [a_rows]
        if la == self.last:
            err = blk.y - a_rows
            err *= err
            return blk.k_const + err.sum(axis=1), acts
        # layer la+1: frozen part plus one or two rank-one terms of the varying rows
        z = np.matmul(self.w_rows, a_rows)
        z += blk.c_next
        if s.layer == la + 1:
            z[:, s.row, :] += v[:, None] * self._act_col(a_rows, blk)
        a = sigmoid_(z)
        if keep:
            acts.append(a)
        for k in range(la + 2, self.last + 1):
            z = np.matmul(self.wt[k], a)
            if s.layer == k:
                z[:, s.row, :] += v[:, None] * a[:, s.col, :]
            a = sigmoid_(z)
            if keep:
                acts.append(a)
        err = blk.y - a
        err *= err
        return err.sum(axis=1), acts

    def _act_col(self, a_rows: np.ndarray, blk: _Block) -> np.ndarray:
        """Layer la+1's input unit that the second weight reads: varying if a chosen row."""
        col = self.second.col
        if col in self.rows:
            return a_rows[:, self.rows.index(col), :]
        return blk.frozen_col[None, :]

    def cost_sums(self, u: np.ndarray, v: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """Sum over samples `idx` of each sample's squared error, at points (u[p], v[p])."""
        u, v = self._ordered(u, v)
        if idx is None:
            idx = np.arange(self.n)
        return self._sums(u, v, idx)

    def _ordered(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points as flat float64 arrays in internal (first, second) order."""
        u = np.asarray(u, dtype=np.float64).ravel()
        v = np.asarray(v, dtype=np.float64).ravel()
        return (v, u) if self.swapped else (u, v)

    def _sums(self, u: np.ndarray, v: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """cost_sums in internal order, block by block, blocks spread over `threads` threads.

        numpy releases the GIL inside its loops, so threads share the work; partial sums are
        added in block order, so the result does not depend on the number of threads.
        """

        def block_sums(item: tuple[_Block, int]) -> np.ndarray:
            blk, p_step = item
            part = np.empty(u.shape[0])
            for p0 in range(0, u.shape[0], p_step):
                sl = slice(p0, p0 + p_step)
                part[sl] = self._forward(u[sl], v[sl], blk, keep=False)[0].sum(axis=1)
            return part

        out = np.zeros(u.shape[0])
        for part in self._map(block_sums, self._blocks(u.shape[0], idx)):
            out += part
        return out

    def _map(self, fn: Callable[[Any], np.ndarray], items: Iterable[Any]) -> Iterator[np.ndarray]:
        """fn over items on `threads` threads; results in item order, so sums are deterministic."""
        if self.threads > 1:
            with ThreadPoolExecutor(self.threads) as pool:
                yield from pool.map(fn, items)
        else:
            yield from map(fn, items)

    def cost(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """J at points (u[p], v[p]) over all N samples."""
        return self.cost_sums(u, v) / self.n

    # ------------------------------------------------------------------ grids
    def grid(self, a_values: np.ndarray, b_values: np.ndarray) -> np.ndarray:
        """J on numpy.meshgrid(a_values, b_values), raveled (w_a fastest)."""
        a_values = np.asarray(a_values, dtype=np.float64)
        b_values = np.asarray(b_values, dtype=np.float64)
        na, nb = a_values.shape[0], b_values.shape[0]
        if self.first.layer == self.last:  # both weights in the output layer (never swapped)
            progress.expect(1)
            if len(self.rows) == 2:
                out = self._separable_grid(a_values, b_values).ravel()
            else:
                out = self._output_row_grid(a_values, b_values).ravel()
            progress.advance()
            return out
        groups = self.groups
        progress.expect(4)  # the four sample groups, the last (both weights vary) the largest
        total = np.zeros((nb, na))
        total += self.cost_sums(a_values[:1], b_values[:1], groups.none)[0]
        total += self.cost_sums(a_values, np.full(na, b_values[0]), groups.only_a)[None, :]
        progress.advance(2)
        total += self.cost_sums(np.full(nb, a_values[0]), b_values, groups.only_b)[:, None]
        progress.advance()
        if groups.both.shape[0]:
            m1, m2 = np.meshgrid(a_values, b_values)
            total += self.cost_sums(m1.ravel(), m2.ravel(), groups.both).reshape(nb, na)
        progress.advance()
        return (total / self.n).ravel()

    def _output_row_grid(self, a_values: np.ndarray, b_values: np.ndarray) -> np.ndarray:
        """Two output weights in one row: only that output varies, z = zt + u*h1 + v*h2.

        With s = +1 where the target is 0 and -1 where it is 1, (y - sigmoid(z))^2 equals
        sigmoid(s*z)^2, so each grid value costs one exp, an add, a reciprocal and a dot.
        """
        na = a_values.shape[0]
        sign = 1.0 - 2.0 * self.y_rows[0]  # +1 where the target is 0, -1 where it is 1
        neg_h2 = -sign * self.h[self.second.col]
        m_step = max(1, self.chunk_elements // na)

        def block(m0: int) -> np.ndarray:
            sl = slice(m0, m0 + m_step)
            # -s * (zt + u * h1) for every u: exp(-s z) then only needs v's term added
            base = np.multiply.outer(a_values, self.h[self.first.col, sl])
            base += self.zt_rows[0, sl]
            base *= -sign[sl]
            part = np.empty((b_values.shape[0], na))
            t = np.empty_like(base)
            for j, b in enumerate(b_values):
                np.add(base, b * neg_h2[sl], out=t)
                with np.errstate(over="ignore"):
                    np.exp(t, out=t)
                t += 1.0
                np.reciprocal(t, out=t)
                part[j] = np.einsum("pm,pm->p", t, t)
            return part

        total = np.full((b_values.shape[0], na), float(np.sum(self.k_const)))
        for part in self._map(block, range(0, self.n, m_step)):
            total += part
        return total / self.n

    def _separable_grid(self, a_values: np.ndarray, b_values: np.ndarray) -> np.ndarray:
        """Two output weights in different rows: J = const + f(u) + g(v), each on its axis."""
        f, s = self.first, self.second
        ua, vb = (b_values, a_values) if self.swapped else (a_values, b_values)

        def row_term(r: int, col: int, values: np.ndarray) -> np.ndarray:
            sums = np.zeros(values.shape[0])
            m_step = max(1, self.chunk_elements // max(values.shape[0], 1))
            for m0 in range(0, self.n, m_step):
                sl = slice(m0, m0 + m_step)
                z = self.zt_rows[r, None, sl] + values[:, None] * self.h[col, None, sl]
                err = self.y_rows[r, None, sl] - sigmoid_(z)
                sums += np.einsum("pm,pm->p", err, err)
            return sums

        term_first = row_term(0, f.col, ua)
        term_second = row_term(1, s.col, vb)
        const = float(np.sum(self.k_const))
        if self.swapped:  # first weight runs along b (rows), second along a (columns)
            total = const + term_first[:, None] + term_second[None, :]
        else:
            total = const + term_second[:, None] + term_first[None, :]
        return total / self.n

    # ------------------------------------------------------------------ gradients
    def cost_and_grad(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J and the gradient of J/2 with respect to (wa, wb) at points (u[p], v[p])."""
        u, v = self._ordered(u, v)
        groups = self.groups
        active = np.sort(np.concatenate([groups.only_a, groups.only_b, groups.both]))
        cost = np.zeros(u.shape[0])
        if groups.none.shape[0]:
            cost += self._sums(u[:1], v[:1], groups.none)[0]
        g_first = np.zeros(u.shape[0])
        g_second = np.zeros(u.shape[0])
        for blk, p_step in self._blocks(u.shape[0], active):
            for p0 in range(0, u.shape[0], p_step):
                sl = slice(p0, p0 + p_step)
                c, g1, g2 = self._backward(u[sl], v[sl], blk)
                cost[sl] += c
                g_first[sl] += g1
                g_second[sl] += g2
        cost /= self.n
        g_first /= self.n
        g_second /= self.n
        if self.swapped:
            return cost, g_second, g_first
        return cost, g_first, g_second

    def _backward(
        self, u: np.ndarray, v: np.ndarray, blk: _Block
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cost sums and N * d(J/2)/d(first, second) over one sample block, per point."""
        la, s = self.first.layer, self.second
        sq, acts = self._forward(u, v, blk, keep=True)
        out = acts[-1]
        delta = (out - blk.y) * out * (1.0 - out)  # N * d(J/2)/dz of the top layer
        g_second = np.zeros(u.shape[0])
        for k in range(self.last, la + 1, -1):  # dense layers down to la+2
            a_in = acts[k - 1 - la]
            back = np.matmul(self.wt[k].T, delta)
            if s.layer == k:
                g_second = np.einsum("pm,pm->p", delta[:, s.row, :], a_in[:, s.col, :])
                back[:, s.col, :] += v[:, None] * delta[:, s.row, :]
            delta = back * a_in * (1.0 - a_in)
        a_rows = acts[0]
        if la == self.last:
            delta_rows = delta
        else:  # layer la+1 reads the varying rows and the frozen rest of layer la's output
            back_rows = np.matmul(self.w_rows.T, delta)
            if s.layer == la + 1:
                a_col = np.broadcast_to(self._act_col(a_rows, blk), delta[:, s.row, :].shape)
                g_second = np.einsum("pm,pm->p", delta[:, s.row, :], a_col)
                if s.col in self.rows:
                    back_rows[:, self.rows.index(s.col), :] += v[:, None] * delta[:, s.row, :]
            delta_rows = back_rows * a_rows * (1.0 - a_rows)
        g_first = delta_rows[:, 0, :] @ blk.h_first
        if blk.h_second is not None:
            g_second = delta_rows[:, self.rows.index(s.row), :] @ blk.h_second
        return sq.sum(axis=1), g_first, g_second

    # ------------------------------------------------------------------ Hessians
    def cost_grad(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """J and its exact gradient (P, 2) in (w_a, w_b): cost_grad_hess's, as cheap here."""
        cost, grad, _ = self.cost_grad_hess(u, v)
        return cost, grad

    def cost_grad_hess(
        self, u: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """J, its exact gradient (P, 2) and Hessian (P, 2, 2) in (w_a, w_b) at (u[p], v[p])."""
        return derivatives_from_sums(self._derivative_sums(u, v, None), self.n)

    def grid_derivatives(
        self, a_values: np.ndarray, b_values: np.ndarray, hessian: bool = True
    ) -> GridDerivatives:
        """J, gradient and Hessian on numpy.meshgrid(a_values, b_values), raveled (w_a fastest).

        As grid: samples that depend on one weight only are evaluated along that axis. The
        Hessian comes with the gradient at little extra cost, so `hessian` is ignored.
        """
        a_values = np.asarray(a_values, dtype=np.float64)
        b_values = np.asarray(b_values, dtype=np.float64)
        na, nb = a_values.shape[0], b_values.shape[0]
        g = self.groups
        total = np.zeros((6, nb, na))
        if g.none.shape[0]:
            total[0] += self.cost_sums(a_values[:1], b_values[:1], g.none)[0]
        if g.only_a.shape[0]:
            total += self._derivative_sums(a_values, np.full(na, b_values[0]), g.only_a)[:, None]
        if g.only_b.shape[0]:
            part = self._derivative_sums(np.full(nb, a_values[0]), b_values, g.only_b)
            total += part[:, :, None]
        if g.both.shape[0]:
            m1, m2 = np.meshgrid(a_values, b_values)
            total += self._derivative_sums(m1.ravel(), m2.ravel(), g.both).reshape(6, nb, na)
        cost, grad, hess = derivatives_from_sums(total.reshape(6, -1), self.n)
        return GridDerivatives(cost=cost, grad=grad, hess=hess, shape=(nb, na))

    def _derivative_sums(self, u: np.ndarray, v: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
        """Sums over samples idx (all when None) of the squared error and its derivatives, (6, P).

        Points and derivatives are in the user's (w_a, w_b) order. With idx None, samples that
        depend on neither weight contribute only their (constant) cost.
        """
        p, q = self._ordered(u, v)
        out = np.zeros((6, p.shape[0]))
        if idx is None:
            g = self.groups
            active = np.sort(np.concatenate([g.only_a, g.only_b, g.both]))
            if g.none.shape[0] and p.shape[0]:
                out[0] += self._sums(p[:1], q[:1], g.none)[0]
        else:
            active = np.asarray(idx)
        if active.shape[0] and p.shape[0]:
            for blk, p_step in self._blocks(p.shape[0], active):
                for p0 in range(0, p.shape[0], p_step):
                    sl = slice(p0, p0 + p_step)
                    out[:, sl] += self._jet_sums(p[sl], q[sl], blk)
        if self.swapped:  # internal (first, second) = user (w_b, w_a)
            out = out[[0, 2, 1, 5, 4, 3]]
        return out

    def _jet_sums(self, p: np.ndarray, q: np.ndarray, blk: _Block) -> np.ndarray:
        """Forward-mode pass over one sample block: (6, P) sums in internal order.

        Each jet component is at most one working array, so memory stays bounded by about a
        dozen times chunk_elements float64 values whatever the grid and N.

        Mirrors _forward: the varying rows of the lower layer, then layer la+1 from its frozen
        part, then the dense layers; the second weight adds q * (its input unit) to its row.
        """
        la, s = self.first.layer, self.second
        nr, m = len(self.rows), blk.m
        z0 = np.empty((p.shape[0], nr, m))
        z0[:] = blk.zt_rows
        z0[:, 0, :] += np.multiply.outer(p, blk.h_first)
        zp = np.zeros((1, nr, m))
        zp[0, 0] = blk.h_first
        zq = None
        if blk.h_second is not None:  # both weights in layer la
            r = self.rows.index(s.row)
            z0[:, r, :] += np.multiply.outer(q, blk.h_second)
            zq = np.zeros((1, nr, m))
            zq[0, r] = blk.h_second
        rows = sigmoid_jet([z0, zp, zq, None, None, None])
        if la == self.last:
            out = squared_error_sums(rows, blk.y)
            out[0] += float(np.sum(blk.k_const))
            return out
        jet = linear_jet(self.w_rows, rows)
        jet[0] += blk.c_next
        if s.layer == la + 1:
            if s.col in self.rows:
                r = self.rows.index(s.col)
                col = [c[:, r, :] if c is not None else None for c in rows]
            else:
                col = [blk.frozen_col[None, :], None, None, None, None, None]
            _add_second_weight(jet, s.row, q, col)
        jet = sigmoid_jet(jet)
        for k in range(la + 2, self.last + 1):
            nxt = linear_jet(self.wt[k], jet)
            if s.layer == k:
                col = [c[:, s.col, :] if c is not None else None for c in jet]
                _add_second_weight(nxt, s.row, q, col)
            jet = sigmoid_jet(nxt)
        return squared_error_sums(jet, blk.y)

    def batch_cost_and_grad(
        self,
    ) -> tuple[Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]], int]:
        """J and the gradient of J/2 at many points per call, and the points a call should take.

        Output-layer pairs with one-hot targets get a dedicated exact kernel (output_layer);
        the others use cost_and_grad, 256 points a call.
        """
        last = self.last
        if self.first.layer == last and self.second.layer == last:
            if np.all((self.y_rows == 0.0) | (self.y_rows == 1.0)):
                active, const = self._output_layer()
                kernel = BatchOutputKernel(
                    self.h[self.first.col, active],
                    self.h[self.second.col, active],
                    self.y_rows[:, active],
                    self.zt_rows[:, active],
                    self.rows.index(self.second.row),
                    self.swapped,
                    const,
                    self.n,
                    max(self.chunk_elements, 4 * DEFAULT_CHUNK_ELEMENTS),
                )
                return kernel, kernel.p_block
        return self.cost_and_grad, 256

    def scalar_cost_and_grad(self) -> Callable[[float, float], tuple[float, float, float]]:
        """A fast `f(u, v) -> (J, dJ/2/du, dJ/2/dv)` for one point, for tight training loops.

        Output-layer pairs get a dedicated path of about ten vector operations over the samples
        that depend on the weights (nine for 0/1 targets); other pairs use cost_and_grad on one
        point.
        """
        la = self.first.layer
        if la != self.last or self.second.layer != la:

            def general(u: float, v: float) -> tuple[float, float, float]:
                c, ga, gb = self.cost_and_grad(np.array([u]), np.array([v]))
                return float(c[0]), float(ga[0]), float(gb[0])

            return general
        # Both weights in the output layer: never swapped (first is w_a, second is w_b).
        active, const = self._output_layer()
        m = active.shape[0]
        nr = len(self.rows)
        base = np.ascontiguousarray(self.zt_rows[:, active]).ravel()
        basis = np.zeros((2, nr * m))
        basis[0, :m] = self.h[self.first.col, active]
        r = self.rows.index(self.second.row)
        basis[1, r * m : (r + 1) * m] = self.h[self.second.col, active]
        y = np.ascontiguousarray(self.y_rows[:, active]).ravel()
        if np.all((y == 0.0) | (y == 1.0)):
            return binary_output_kernel(base, basis, y, const, self.n)
        return output_pair_kernel(base, basis, y, const, self.n)

    def _output_layer(self) -> tuple[np.ndarray, float]:
        """An output-layer pair's samples whose outputs it changes, and the constant cost sum:
        the unchanged outputs of those samples plus the whole cost of the others."""
        g = self.groups
        active = np.sort(np.concatenate([g.only_a, g.only_b, g.both]))
        const = float(np.sum(self.k_const[active]))
        if g.none.shape[0]:
            const += float(self._sums(np.zeros(1), np.zeros(1), g.none)[0])
        return active, const


def _add_second_weight(z: Jet, row: int, q: np.ndarray, col: Jet) -> None:
    """z[row] += q * col in place, with the product rule for the derivatives in q."""
    shape = z[0].shape
    qc = q[:, None]
    c0, cp, cq, cpp, cpq, cqq = col

    def add(k: int, term: np.ndarray | None) -> None:
        if term is None:
            return
        if z[k] is None or z[k].shape != shape:
            z[k] = np.zeros(shape) if z[k] is None else np.broadcast_to(z[k], shape).copy()
        z[k][:, row, :] += term

    add(0, qc * c0)
    add(1, None if cp is None else qc * cp)
    add(2, c0 + (0.0 if cq is None else qc * cq))
    add(3, None if cpp is None else qc * cpp)
    add(4, None if cp is None else cp + (0.0 if cpq is None else qc * cpq))
    add(5, None if cq is None else 2.0 * cq + (0.0 if cqq is None else qc * cqq))
