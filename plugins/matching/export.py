"""A run's result as CSV: one row per mentee with the mentor, the score and one column per criterion."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import IO

from mentorflow.csvcells import safe_row

from .runs import RunResult

FIXED = ["mentee_id", "mentee", "mentor_id", "mentor", "score"]


def write_csv(result: RunResult, out: IO[str], names: Mapping[int, str]) -> int:
    """Write ``result`` to ``out``; unmatched mentees get empty mentor and score cells. Returns the rows written.

    The breakdown columns carry each criterion's contribution; they add up
    to ``score``.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_row(FIXED + list(result.criteria)))
    for p in result.proposals:
        contributions = {c["key"]: c["contribution"] for c in (p.breakdown or [])}
        # Names come from people and criteria from workflow documents: safe_row keeps a spreadsheet from running
        # them as formulas. Scores stay numbers (a float's str() is its shortest exact repr()).
        writer.writerow(safe_row([p.mentee_id, names.get(p.mentee_id, ""),
                                  p.mentor_id if p.mentor_id is not None else "",
                                  names.get(p.mentor_id, "") if p.mentor_id is not None else "",
                                  float(p.score) if p.score is not None else ""]
                                 + [float(contributions[k]) if k in contributions else "" for k in result.criteria]))
    return len(result.proposals)
