"""docs/data-model.md names every table mentorflow and its loaded plugins create."""

from __future__ import annotations

from pathlib import Path

from mentorflow import Engine
from mentorflow.db.models import Base

DATA_MODEL = Path(__file__).resolve().parent.parent / "docs" / "data-model.md"


def test_every_table_is_in_the_data_model() -> None:
    Engine("sqlite://")  # loads every plugin, whose models join Base.metadata
    text = DATA_MODEL.read_text("utf-8")
    missing = sorted(name for name in Base.metadata.tables if f"`{name}`" not in text)
    assert not missing, f"docs/data-model.md does not describe {', '.join(missing)}: say what each holds and why"
