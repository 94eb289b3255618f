"""The exceptions mentorflow raises.

Everything a user can cause derives from :class:`UserError`: the CLI turns
it into a message and exit code 2, the web service into a 4xx
``application/problem+json`` response. Anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mentorflow.i18n import _


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a document, located by a JSON pointer (RFC 6901)."""

    pointer: str
    message: str
    source: str = field(default="", compare=False)
    """Which file (or form) the pointer is relative to, when known."""

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message, **({"source": self.source} if self.source else {})}

    def __str__(self) -> str:
        where = f"{self.source}#{self.pointer}" if self.source else (self.pointer or "/")
        return f"{where}: {self.message}"


class MentorflowError(Exception):
    """Base class of all mentorflow errors."""

    #: HTTP status the web service answers with.
    status = 500
    #: Short machine-readable error kind (used as the problem+json ``type`` suffix).
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_problem(self) -> dict[str, object]:
        """An RFC 9457 problem document for this error."""
        return {"type": f"https://mentorflow.dev/problems/{self.kind}", "title": self.title(),
                "status": self.status, "detail": self.message}

    def title(self) -> str:
        return _("Error")


class UserError(MentorflowError):
    """Something the person asking can fix: bad input, a forbidden or stale action."""

    status = 400
    kind = "bad-request"

    def title(self) -> str:
        return _("Bad request")


class ProblemsError(UserError):
    """Input that has one or more located problems (all reported at once)."""

    def __init__(self, message: str, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{message}\n{lines}" if lines else message)
        self.summary = message

    def as_problem(self) -> dict[str, object]:
        doc = super().as_problem()
        doc["detail"] = self.summary
        doc["errors"] = [p.as_dict() for p in self.problems]
        return doc


class WorkflowInvalid(ProblemsError):
    """A workflow or programme document failed validation."""

    status = 422
    kind = "invalid-workflow"

    def title(self) -> str:
        return _("Invalid workflow")


class FormInvalid(ProblemsError):
    """Data submitted with a transition does not satisfy the transition's form."""

    status = 422
    kind = "invalid-form"

    def __init__(self, form: str, problems: Iterable[Problem]) -> None:
        self.form = form
        super().__init__(_("The data for form '{form}' is not valid:").format(form=form), problems)

    def title(self) -> str:
        return _("Invalid form data")


class PublishForbidden(ProblemsError):
    """A workflow the publisher may not publish: another owner's programme, or privacy only an administrator widens.

    Each problem's pointer names what is refused (empty: the programme itself). Nothing was written.
    """

    status = 403
    kind = "forbidden"

    def title(self) -> str:
        return _("Forbidden")


class NotFound(UserError):
    status = 404
    kind = "not-found"

    def title(self) -> str:
        return _("Not found")


class TransitionError(UserError):
    """A transition cannot be fired now."""

    status = 409
    kind = "transition-not-allowed"

    def title(self) -> str:
        return _("Transition not allowed")


class UnknownTransition(TransitionError):
    status = 404
    kind = "unknown-transition"


class WrongState(TransitionError):
    """The transition does not leave from the relationship's current state."""


class Forbidden(TransitionError):
    """The actor lacks a role the transition (or the read) requires."""

    status = 403
    kind = "forbidden"

    def title(self) -> str:
        return _("Forbidden")


class GuardFailed(TransitionError):
    """A named guard said no; ``guard`` and ``reason`` say which and why."""

    kind = "guard-failed"

    def __init__(self, guard: str, reason: str, plugin: str | None = None) -> None:
        self.guard = guard
        self.reason = reason
        self.plugin = plugin
        super().__init__(_("Guard '{guard}' blocked the transition: {reason}").format(guard=guard, reason=reason))


class Vetoed(TransitionError):
    """A plugin's ``mentorflow_before_transition`` vetoed the change."""

    kind = "vetoed"

    def __init__(self, plugin: str, reason: str) -> None:
        self.plugin = plugin
        self.reason = reason
        super().__init__(_("Plugin '{plugin}' vetoed the transition: {reason}").format(plugin=plugin, reason=reason))


class Conflict(UserError):
    """Optimistic concurrency: the relationship changed since the caller read it. Nothing was written."""

    status = 409
    kind = "conflict"

    def __init__(self, relationship_id: int, expected_version: int) -> None:
        self.relationship_id = relationship_id
        self.expected_version = expected_version
        super().__init__(
            _("Relationship {id} was changed by someone else (expected version {version}); "
              "reload it and try again. Nothing was written.").format(id=relationship_id, version=expected_version)
        )

    def title(self) -> str:
        return _("Conflict")


class Veto(Exception):
    """Raised by a plugin inside ``mentorflow_before_transition`` to stop a transition.

    The engine turns it into :class:`Vetoed`, naming the plugin.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PluginError(MentorflowError):
    """A plugin raised; the transaction (if any) was rolled back. Names the plugin and hook."""

    kind = "plugin-error"

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        self.plugin = plugin
        self.hook = hook
        self.error = error
        super().__init__(
            _("Plugin '{plugin}' failed in {hook}: {error}").format(
                plugin=plugin, hook=hook, error=f"{type(error).__name__}: {error}")
        )


class ConfigurationError(UserError):
    """mentorflow is configured wrongly (database URL, plugin list, ...)."""

    kind = "configuration"
