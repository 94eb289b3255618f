"""What goes wrong with LTI: a rejected launch (with a stable code for logs and tests), a failing service call."""

from __future__ import annotations

from mentorflow.errors import UserError
from mentorflow.i18n import _


class LaunchError(UserError):
    """A launch, login or deep-linking request that must be refused; nothing has been created.

    ``code`` is stable (``bad-signature``, ``wrong-audience``, ``replayed-nonce`` ...) and is logged
    and shown on the error page beside the translated explanation. ``restart`` holds the login
    initiation's parameters when the page should offer to start the sign-in again in a new window.
    """

    status = 400
    kind = "lti-launch-rejected"

    def __init__(self, code: str, message: str, status: int = 400, *,
                 restart: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.restart = restart

    def title(self) -> str:
        return _("The launch from your learning platform was refused")


class PlatformStorageCheck(LaunchError):
    """The state cookie did not come back, but the login stored its state in the platform's frame (LTI platform
    storage): the launch page must read it back there before the launch counts. Nothing has been used up."""

    def __init__(self, state: str, storage_target: str, restart: dict[str, str] | None) -> None:
        super().__init__("state-not-bound", _("The learning platform does not confirm that this sign-in was started "
                                              "in your browser. Open mentorflow in a new window to continue."), 403,
                         restart=restart)
        self.state = state
        self.storage_target = storage_target


class ServiceError(UserError):
    """An LTI Advantage service (token endpoint, NRPS, AGS) answered with an error or not at all."""

    status = 502
    kind = "lti-service-error"

    def title(self) -> str:
        return _("The learning platform's service failed")
