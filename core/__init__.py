"""mentorflow: a plugin-based workflow engine for mentoring programmes.

The public API::

    from mentorflow import Engine, ManualClock, SYSTEM

    engine = Engine("sqlite:///mentorflow.db", clock=ManualClock())
    engine.upgrade_database()
    engine.publish_workflow("students", document)
    rel = engine.start_relationship("students", mentee=anna, mentor=bo)
    engine.fire(rel, "propose_agreement", actor=bo, data={...})
"""

from mentorflow.actors import ROLES, SYSTEM, Actor
from mentorflow.choices import ChoiceContext, ChoicesSpec, choices_provider
from mentorflow.clock import Clock, ManualClock, SystemClock
from mentorflow.effects import EffectContext, EffectSpec, effect
from mentorflow.engine import Batch, Engine, PublishedWorkflow
from mentorflow.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    FormInvalid,
    GuardFailed,
    MentorflowError,
    NotFound,
    PluginError,
    Problem,
    TransitionError,
    UnknownTransition,
    UserError,
    Veto,
    Vetoed,
    WorkflowInvalid,
    WrongState,
)
from mentorflow.guards import GuardSpec, guard
from mentorflow.hookspecs import HOOKSPEC_VERSION, hookimpl
from mentorflow.members import Bounds, Format
from mentorflow.notifications import ChannelContext, Message, NotificationChannel
from mentorflow.queries import Availability
from mentorflow.snapshots import MEMBER_ROLES, AuditEntry, GuardContext, Member, RelationshipSnapshot, TransitionEvent
from mentorflow.transitions import TransitionResult
from mentorflow.workflow.model import Workflow

__version__ = "0.1.0"

__all__ = [
    "HOOKSPEC_VERSION",
    "MEMBER_ROLES",
    "ROLES",
    "SYSTEM",
    "Actor",
    "AuditEntry",
    "Availability",
    "Batch",
    "Bounds",
    "ChannelContext",
    "ChoiceContext",
    "ChoicesSpec",
    "Clock",
    "ConfigurationError",
    "Conflict",
    "EffectContext",
    "EffectSpec",
    "Engine",
    "Forbidden",
    "FormInvalid",
    "Format",
    "GuardContext",
    "GuardFailed",
    "GuardSpec",
    "ManualClock",
    "Member",
    "MentorflowError",
    "Message",
    "NotFound",
    "NotificationChannel",
    "PluginError",
    "Problem",
    "PublishedWorkflow",
    "RelationshipSnapshot",
    "SystemClock",
    "TransitionError",
    "TransitionEvent",
    "TransitionResult",
    "UnknownTransition",
    "UserError",
    "Veto",
    "Vetoed",
    "Workflow",
    "WorkflowInvalid",
    "WrongState",
    "choices_provider",
    "effect",
    "guard",
    "hookimpl",
]
