"""Storage: typed SQLAlchemy models, engine creation with the right pragmas, Alembic migrations."""

from mentorflow.db.database import create_db_engine, default_database_url
from mentorflow.db.models import (
    ApiToken,
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
    "ApiToken",
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
