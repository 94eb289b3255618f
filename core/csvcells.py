"""CSV cells a spreadsheet will not run: every CSV export writes its rows through :func:`safe_row`.

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)``, ``+cmd|...``,
``@SUM(...)``, ``-2+3``), and a leading tab or carriage return can hide
one. Names and labels in an export come from people and workflow
documents, so such a text cell gets a leading ``'`` (OWASP's advice): the
spreadsheet shows the text as typed and runs nothing. Numbers are written
as numbers, a negative one included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` for a CSV cell: a text that a spreadsheet would read as a formula is prefixed with ``'``."""
    if isinstance(value, bool) or (not isinstance(value, int | float) and value is not None):
        text = str(value)
        return "'" + text if text.startswith(FORMULA_STARTS) else text
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Each cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]
