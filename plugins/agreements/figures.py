"""The agreements plugin's part of the programme figures: an agreement left unanswered (an at-risk flag).

An open relationship whose newest agreement version still lacks a side's signature is at risk
from :data:`UNANSWERED_AFTER` after the version was proposed (docs/figures.md).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Connection

from mentorflow.clock import as_utc
from mentorflow.figures import Deadline, RelationshipFigures
from mentorflow.snapshots import RelationshipSnapshot

from .store import current_version, signer_ids

UNANSWERED_AFTER = timedelta(days=7)
"""How long a proposed agreement may wait for a signature before the relationship is flagged."""


def relationship_figures(conn: Connection, snap: RelationshipSnapshot) -> RelationshipFigures | None:
    if snap.closed_at is not None:
        return None
    version = current_version(conn, snap.id)
    if version is None:
        return None
    at = as_utc(version.proposed_at) + UNANSWERED_AFTER
    signed = signer_ids(conn, version.id)
    # Each member who has not signed (every mentee of a group signs), in the order they joined.
    return RelationshipFigures(deadlines=tuple(
        Deadline("agreement_unanswered", at, member.role, member.person_id)
        for member in snap.members if member.person_id not in signed))
