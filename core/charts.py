"""Small server-rendered SVG charts: no JavaScript, readable by screen readers (title + table fallback)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bar_chart(title: str, items: Sequence[tuple[str, float]], width: int = 560, bar_height: int = 26) -> str:
    """A horizontal bar chart of labelled values as an inline ``<svg>``."""
    if not items:
        return ""
    peak = max(value for _, value in items) or 1
    label_width, gap = 170, 6
    height = len(items) * (bar_height + gap) + gap
    rows = []
    for index, (label, value) in enumerate(items):
        y = gap + index * (bar_height + gap)
        length = max(2, (width - label_width - 60) * value / peak)
        rows.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.68}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" rx="3" class="bar"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.68}">{value:g}</text>'
        )
    return (f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" class="chart">'
            f"<title>{escape(title)}</title>{''.join(rows)}</svg>")


def column_chart(title: str, items: Sequence[tuple[str, float]], width: int = 560, height: int = 180) -> str:
    """Vertical columns (for values over time) as an inline ``<svg>``.

    Each value is written above its column, in a band kept free of columns (:data:`VALUE_BAND`), so the
    tallest column's value never lies on it.
    """
    if not items:
        return ""
    peak = max(value for _, value in items) or 1
    slot = width / len(items)
    bottom = height - 34  # the columns' base; the day labels go below it
    plot = bottom - VALUE_BAND
    cols = []
    for index, (label, value) in enumerate(items):
        h = plot * value / peak
        x = index * slot + slot * 0.15
        top = bottom - h
        cols.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" rx="2" class="bar"/>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 16}" text-anchor="middle" class="tick">'
            f"{escape(label)}</text>"
            f'<text x="{x + slot * 0.35:.1f}" y="{top - VALUE_GAP:.1f}" text-anchor="middle">{value:g}</text>'
        )
    return (f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" class="chart">'
            f"<title>{escape(title)}</title>{''.join(cols)}</svg>")


VALUE_BAND = 18
"""Height kept above the tallest column for its value (a 12 px label and its gap)."""
VALUE_GAP = 4
"""Space between a column's top and the baseline of its value."""
