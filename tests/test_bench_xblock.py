"""The XBlock benchmark (bench/xblock.py) runs end to end: a smoke test of the report, never of the timings."""

from __future__ import annotations

import io
import re

from tests.openedx.conftest import require_xblock


def test_xblock_benchmark_reports_each_figure_against_its_baseline() -> None:
    require_xblock()
    from bench.xblock import main

    out = io.StringIO()
    figures = main(["--rounds", "5", "3", "1"], out=out)
    text = out.getvalue()
    assert text.startswith("xblock benchmark · ")
    assert re.search(r"XBlock student_view +[\d.]+ ms per render +\([\d.]+ × the page\)", text)
    assert re.search(r"XBlock fire handler .* +[\d.]+ ms per transition +\([\d.]+ × the API and the page\)", text)
    assert all(figures[key] > 0 for key in ("page", "student_view", "api_fire", "handler_fire", "render_ratio"))
