"""Storage: typed SQLAlchemy models, engine creation with the right pragmas, Alembic migrations."""

from mentorflow.db.database import create_db_engine, default_database_url
from mentorflow.db.models import (
    AuditEvent,
    Base,
    ExternalIdentity,
    Person,
    Programme,
    ProgrammeRole,
    Relationship,
    WorkflowVersion,
)

__all__ = [
    "AuditEvent",
    "Base",
    "ExternalIdentity",
    "Person",
    "Programme",
    "ProgrammeRole",
    "Relationship",
    "WorkflowVersion",
    "create_db_engine",
    "default_database_url",
]
