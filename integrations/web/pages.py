"""Participant pages and the coordinator dashboard (server-rendered, English and Danish)."""

from __future__ import annotations

from flask import Flask


def install_pages(app: Flask) -> None:
    """Register page routes; the start page exists even before the pages are complete."""

    @app.get("/")
    def index() -> str:
        return "mentorflow"
