"""Alembic versions of the web service's tables (branch ``web``)."""
