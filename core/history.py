"""A relationship's history as people read it: what the records its events point at are called.

An event's form data records ids (the goal confirmed, the meeting rated) through form fields whose
``choices_from`` names a choices provider. The provider's label explains an id only while the id is
still offered; :func:`history_labels` asks the plugins that keep the records (``mentorflow_history_labels``)
for the labels of every id a page of history recorded, as the viewer may read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mentorflow.errors import ConfigurationError
from mentorflow.i18n import _

if TYPE_CHECKING:
    from mentorflow.engine import Engine
    from mentorflow.snapshots import RelationshipSnapshot

HISTORY_PAGE = 20
"""Events per page of a relationship's history on the participant pages (newest first)."""


def history_labels(engine: Engine, relationship: RelationshipSnapshot, viewer: int,
                   recorded: Mapping[str, set[Any] | frozenset[Any]]) -> dict[str, dict[Any, str]]:
    """Every plugin's labels for the ``recorded`` values by choices provider (see ``mentorflow_history_labels``).

    Nothing is asked when nothing was recorded. A plugin answering with something that is not a mapping of
    mappings is a :class:`ConfigurationError` naming what it returned.
    """
    wanted = {name: frozenset(values) for name, values in recorded.items() if values}
    if not wanted:
        return {}
    merged: dict[str, dict[Any, str]] = {}
    for answer in engine.pm.hook.mentorflow_history_labels(engine=engine, relationship=relationship, viewer=viewer,
                                                           recorded=wanted):
        if answer is None:
            continue
        if not isinstance(answer, Mapping) or not all(isinstance(v, Mapping) for v in answer.values()):
            raise ConfigurationError(_("A plugin returned {value!r} from mentorflow_history_labels, not a mapping "
                                       "of choices providers to labels by value.").format(value=answer))
        for provider, labels in answer.items():
            into = merged.setdefault(str(provider), {})
            for value, label in labels.items():
                if value in wanted.get(str(provider), ()) and value not in into:
                    into[value] = str(label)
    return merged
