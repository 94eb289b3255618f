"""The closure plugin's part of the programme figures: satisfaction and goal ratings from closure forms.

Each member's latest closure form counts (a later one replaces an earlier one; in a group every
member's form counts, not one per role). A private form is
counted in ``closure.forms`` but its scores stay out of the averages and ratings: its content is
its author's alone.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from mentorflow.figures import RelationshipFigures
from mentorflow.snapshots import RelationshipSnapshot

from .forms import members_forms


def relationship_figures(conn: Connection, snap: RelationshipSnapshot) -> RelationshipFigures:
    forms = members_forms(conn, snap.id)
    shared = [f for f in forms.values() if not f.private]
    values = {"closure.forms": len(forms), "closure.satisfaction_sum": sum(f.satisfaction for f in shared),
              "closure.satisfaction_n": len(shared)}
    facts = {f"goal.{g['goal_id']}.rating.{f.author_id}": str(g["attained"]) for f in shared for g in f.goals}
    return RelationshipFigures(values=values, facts=facts)
