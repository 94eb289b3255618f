"""``default``: the full mentoring lifecycle with every lifecycle plugin and their standard settings."""

from __future__ import annotations

from template_kit import Doc, labels, settings

NAME = "default"


def prepare(doc: Doc) -> None:
    """Nothing to prepare: the lifecycle's goal form is the default's."""


def customise(doc: Doc) -> None:
    doc["revision"] = "2"
    doc["programme"]["description"] = labels(
        "The full mentoring lifecycle: an agreement both sign, SMART goals both agree on, regular reflections, "
        "meetings and pulse surveys, adjustments along the way, and a planned or early closure.",
        "Hele mentorforløbet: en aftale, I begge underskriver, SMART-mål, I begge står bag, løbende refleksioner, "
        "møder og pulsmålinger, justeringer undervejs og en planlagt eller tidlig afslutning.")
    options = settings(doc)
    # The closure plugin's neutral reasons (settings.closure.reasons) replace the lifecycle's plain list.
    options.pop("closure_reasons", None)
    options["privacy"] = {"coordinator_sees_content": False}
