"""Workflow definitions: the compiled model, the loader with its checks, and diagrams."""

from mentorflow.workflow.loader import WorkflowLoader, load_workflow_file, parse_document
from mentorflow.workflow.model import Form, GuardCall, State, Timer, Transition, Workflow

__all__ = [
    "Form",
    "GuardCall",
    "State",
    "Timer",
    "Transition",
    "Workflow",
    "WorkflowLoader",
    "load_workflow_file",
    "parse_document",
]
