"""A sweep of the gallery: how its seeds are ordered and cut into contact-sheet pages.

One place for the rule that both the contact sheets and the sweep browser follow, so that the
browser's "contact sheet" link of a seed points at the page that shows it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def page_count(seeds: int, per_page: int) -> int:
    """Number of contact-sheet pages of `seeds` seeds at `per_page` a page (at least 1)."""
    if per_page < 1:
        raise ValueError(f"render.contact_sheet.per_page must be at least 1, got {per_page}")
    return max(1, math.ceil(seeds / per_page))


def sheet_order(
    seeds: Sequence[int],
    values: Mapping[int, float] | None = None,
    descending: bool = True,
) -> list[int]:
    """The seeds in contact-sheet order: as given, or by `values` (missing or NaN last, ties by
    seed), so that page 1 holds the top `per_page` seeds of a summary column."""
    if values is None:
        return list(seeds)

    def key(seed: int) -> tuple[bool, float, int]:
        value = values.get(seed, math.nan)
        missing = value is None or math.isnan(float(value))
        number = 0.0 if missing else float(value)
        return (missing, -number if descending else number, seed)

    return sorted(seeds, key=key)


def page_seeds(order: Sequence[int], page: int, per_page: int) -> list[int]:
    """The seeds on contact-sheet page `page` (1-based) of `order`."""
    pages = page_count(len(order), per_page)
    if not 1 <= page <= pages:
        raise ValueError(f"contact-sheet page {page} out of range 1..{pages}")
    return list(order[(page - 1) * per_page : page * per_page])


def page_of(order: Sequence[int], per_page: int) -> dict[int, int]:
    """Seed -> the contact-sheet page (1-based) that shows it."""
    return {seed: i // per_page + 1 for i, seed in enumerate(order)}
