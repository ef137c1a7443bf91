"""The gallery sweep's page rule: ordering seeds, cutting pages, and the config checks."""

from __future__ import annotations

import math

import pytest

from losslandscape.config import SHEET_ORDER_COLUMNS, render_errors
from losslandscape.landscape.summary import SUMMARY_BASE_COLUMNS
from losslandscape.render.options import DEFAULT_RENDER
from losslandscape.sweep import page_count, page_of, page_seeds, sheet_order


def test_pages_cut_the_order_in_fixed_slices() -> None:
    order = list(range(10, 0, -1))
    assert page_count(10, 4) == 3 and page_count(0, 4) == 1 and page_count(8, 4) == 2
    assert page_seeds(order, 1, 4) == [10, 9, 8, 7]
    assert page_seeds(order, 3, 4) == [2, 1]
    pages = page_of(order, 4)
    assert [pages[s] for s in (10, 7, 6, 3, 1)] == [1, 1, 2, 2, 3]
    with pytest.raises(ValueError, match="page 4 out of range 1..3"):
        page_seeds(order, 4, 4)
    with pytest.raises(ValueError, match="per_page must be at least 1"):
        page_count(3, 0)


def test_order_by_values_missing_last_ties_by_seed() -> None:
    values = {0: 2.0, 1: math.nan, 2: 5.0, 3: 2.0}  # seed 4 has no value
    assert sheet_order([0, 1, 2, 3, 4], values) == [2, 0, 3, 1, 4]
    assert sheet_order([0, 1, 2, 3, 4], values, descending=False) == [0, 3, 2, 1, 4]
    assert sheet_order([3, 1, 2]) == [3, 1, 2]


def test_contact_sheet_options_are_checked_with_key_and_allowed_values() -> None:
    assert set(SHEET_ORDER_COLUMNS) <= set(SUMMARY_BASE_COLUMNS)
    errors = render_errors({"contact_sheet": {"order_by": "beauty", "per_page": 0}},
                           DEFAULT_RENDER)  # fmt: skip
    assert any('render.contact_sheet.order_by = "beauty"' in e and "minima" in e for e in errors)
    assert any("render.contact_sheet.per_page = 0" in e for e in errors)
    assert render_errors({"contact_sheet": {"order_by": "minima", "per_page": 3}},
                         DEFAULT_RENDER) == []  # fmt: skip


def test_gallery_order_reads_any_allowed_column_of_the_summary(tmp_path) -> None:
    """Every column the config allows orders the sheets (seed included: read once)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from losslandscape.render.surfaces import gallery_orders

    seeds = [0, 1, 2]
    table = {"seed": seeds * 2, "n": [20] * 3 + [30] * 3, "pair": ["p"] * 6}
    for column in SHEET_ORDER_COLUMNS:
        if column != "seed":
            table[column] = [1.0, 3.0, 2.0, 9.0, 9.0, 9.0]
    path = tmp_path / "summary.parquet"
    pq.write_table(pa.table(table), path)
    for column in SHEET_ORDER_COLUMNS:
        sheet = {"order_by": column, "descending": True}
        order = gallery_orders(seeds, sheet, str(path), [(20, "p")])[20, "p"]
        assert order == ([2, 1, 0] if column == "seed" else [1, 2, 0]), column
    assert gallery_orders(seeds, {"order_by": None}, None, [(20, "p")]) == {(20, "p"): seeds}
    errors = render_errors({"contact_sheet": {"per_page": 2.5, "descending": None}},
                           DEFAULT_RENDER)  # fmt: skip
    assert any("per_page = 2.5" in e for e in errors)
    assert any("descending = null" in e for e in errors), errors
