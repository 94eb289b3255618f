"""Alembic environment for mentorflow's core tables (plugins add version locations of their own)."""
