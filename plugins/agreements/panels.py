"""The agreements plugin's page panel: "The agreement" on a relationship's page, as a document.

The current version's terms in full (labelled by the programme's agreement form), who signed which version
and when, each amendment with what it changed (old → new), and, for a person asked to sign, that the terms
shown are the ones they are signing. What the viewer may read is decided in :mod:`.api`.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from mentorflow.engine import Engine
from mentorflow.i18n import _, format_date, format_datetime, localized
from mentorflow.panels import PageContext, Panel, render_template

from .api import AgreementView, agreement_history

FORM = "agreement"


def _text(meta: Mapping[str, Any], value: Any) -> str:
    labels = meta.get("choices")
    if isinstance(labels, Mapping) and str(value) in labels:
        return localized(labels[str(value)])
    return "—" if value is None else str(value)


def terms_shown(form: Any, terms: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``(key, label, text)`` per term, in the form's order: a code by its label ("Every two weeks")."""
    if not terms:
        return []
    fields = form.fields if form is not None else {}
    order = list((form.schema.get("properties") or {}) if form is not None else ()) + list(terms)
    out = []
    for key in dict.fromkeys(k for k in order if k in terms):
        found = fields.get(key)
        meta: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        out.append((key, localized(meta.get("label")) or key.replace("_", " ").capitalize(), _text(meta, terms[key])))
    return out


def changes(form: Any, before: AgreementView, after: AgreementView) -> list[tuple[str, str, str]]:
    """``(label, old, new)`` for each term an amendment changed (both versions readable), else nothing."""
    if before.terms is None or after.terms is None:
        return []
    old = {key: (label, text) for key, label, text in terms_shown(form, before.terms)}
    new = {key: (label, text) for key, label, text in terms_shown(form, after.terms)}
    return [((new.get(key) or old[key])[0], old.get(key, ("", "—"))[1], new.get(key, ("", "—"))[1])
            for key in dict.fromkeys([*new, *old]) if old.get(key, ("", "—"))[1] != new.get(key, ("", "—"))[1]]


def _waiting(engine: Engine, snap: Any, workflow: Any, current: AgreementView) -> str:
    """Who the current version waits for: by role in a pair ("Mentor"), by name in a group ("Bea Lund, Carl Juhl")."""
    if workflow.format.is_pair:
        return ", ".join(workflow.role_label(r) for r in current.missing_roles)
    signed = {s.signer_id for s in current.signatures}
    missing = [p for p in snap.member_ids if p not in signed]
    names = engine.display_names(set(missing))
    return ", ".join(names.get(p, "") for p in missing)


def page_panels(engine: Engine, page: PageContext) -> list[Panel]:
    snap = page.relationship
    if page.page != "relationship" or snap is None:
        return []
    versions = agreement_history(engine, snap, page.viewer)
    if not versions:
        return []
    workflow = engine.workflow_by_version(snap.workflow_version_id)
    form = workflow.forms.get(FORM)
    names = engine.display_names({s.signer_id for v in versions for s in v.signatures}
                                 | {v.proposed_by for v in versions if v.proposed_by is not None})
    current = versions[-1]
    roles = engine.viewer(snap, page.viewer).roles
    to_sign = bool(roles & set(current.missing_roles)) and not workflow.states[snap.state].is_terminal
    amendments = [{"version": after, "changes": changes(form, before, after)}
                  for before, after in pairwise(versions)]
    html = render_template(__package__, "agreement_panel.html", current=current, versions=versions,
                           terms=terms_shown(form, current.terms), names=names, to_sign=to_sign,
                           amendments=amendments, role_label=workflow.role_label, level=page.heading_level + 1,
                           waiting=_waiting(engine, snap, workflow, current), signers=len(snap.member_ids),
                           format_date=format_date, format_datetime=format_datetime)
    data = {"version": current.version, "fully_signed": current.fully_signed, "to_sign": to_sign,
            "signatures": [{"version": v.version, "role": s.role, "signed_at": s.signed_at.isoformat()}
                           for v in versions for s in v.signatures]}
    return [Panel(id="agreement", title=_("The agreement"), order=10, html=html, data=data)]
