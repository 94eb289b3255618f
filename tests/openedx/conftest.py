"""The XBlock under xblock's TestRuntime: real user, settings and i18n services, a real engine database."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service

HERE = Path(__file__).parent
LIFECYCLE = HERE / "data" / "simple-lifecycle.json"
"""A pinned programme for these tests: agreement, goals, reflections, adjustment, closure, and a sign-up profile."""

try:
    from xblock.reference.user_service import UserService, XBlockUser
    from xblock.runtime import DictKeyValueStore, KvsFieldData
    from xblock.test.tools import TestRuntime
except ImportError:  # pragma: no cover - without the openedx extra
    XBlockUser = UserService = TestRuntime = None  # type: ignore[assignment,misc]


def require_xblock() -> None:
    if TestRuntime is None:
        require_service("XBlock", 'pip install "XBlock[django]" xblock-sdk (the dev extra has them)')


class Users(UserService):  # type: ignore[misc,valid-type]
    """The ``user`` service, answering for whoever the test says is asking now."""

    def __init__(self) -> None:
        super().__init__()
        self.current: Any = None

    def get_current_user(self) -> Any:
        return self.current


class Settings:
    """The ``settings`` service as Open edX has it: buckets of ``XBLOCK_SETTINGS`` by block class name."""

    def __init__(self, buckets: dict[str, Any]) -> None:
        self.buckets = buckets

    def get_settings_bucket(self, block: Any, default: Any = None) -> Any:
        return self.buckets.get(getattr(block, "block_settings_key", type(block).__name__), default or {})


class I18n:
    """An ``i18n`` service whose request language the test sets (edx-platform's passes on get_language)."""

    def __init__(self, language: str = "en") -> None:
        self.language = language

    def gettext(self, text: str) -> str:
        return text

    def get_language(self) -> str:
        return self.language


def lms_user(user_id: int, username: str, *, staff: bool = False, role: str = "student", language: str | None = None,
             full_name: str = "") -> Any:
    """A user as edx-platform's DjangoXBlockUserService describes them."""
    user = XBlockUser(is_current_user=True, emails=[f"{username}@example.org"], full_name=full_name or username)
    user.opt_attrs.update({"edx-platform.user_id": user_id, "edx-platform.username": username,
                           "edx-platform.anonymous_user_id": f"anon-{user_id}", "edx-platform.user_is_staff": staff,
                           "edx-platform.user_role": role,
                           "edx-platform.user_preferences": {"pref-lang": language} if language else {}})
    return user


@dataclass
class Course:
    """A course with mentorflow blocks, its services, and the engine database behind them."""

    database_url: str
    users: Any
    settings: Settings
    i18n: Any
    blocks: list[Any] = field(default_factory=list)
    course_id: str | None = None
    """The Open edX course the blocks are in (None: outside a course, as in the workbench)."""

    def other(self, course_id: str) -> Course:
        """Another course on the same site: the same services and engine database, its own blocks."""
        return Course(self.database_url, self.users, self.settings, self.i18n, course_id=course_id)

    def block(self, **fields: Any) -> Any:
        from xblock.fields import ScopeIds

        from mentorflow.integrations.openedx.block import MentorflowXBlock

        runtime = TestRuntime(services={"user": self.users, "settings": self.settings, "i18n": self.i18n,
                                        "field-data": KvsFieldData(DictKeyValueStore())})
        usage = f"block-v1:Uni+Mentoring+2026+type@mentorflow+block@b{len(self.blocks)}"
        if self.course_id:
            runtime.course_id = self.course_id  # as the LMS's runtime names the block's course
        block = runtime.construct_xblock_from_class(MentorflowXBlock, ScopeIds("user", "mentorflow", usage, usage))
        for name, value in fields.items():
            setattr(block, name, value)
        self.blocks.append(block)
        return block

    def as_user(self, user: Any) -> None:
        self.users.current = user

    def call(self, block: Any, handler: str, body: Any, method: str = "POST") -> tuple[int, Any]:
        """Call a JSON handler as the current user; returns (status, decoded JSON)."""
        from webob import Request

        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = block.runtime.handle(block, handler, Request.blank("/", method=method, body=raw))
        return response.status_code, json.loads(response.body.decode() or "null")

    def view(self, block: Any, name: str = "student_view") -> str:
        return block.runtime.render(block, name).content


@pytest.fixture
def course(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Course]:
    require_xblock()
    from mentorflow.integrations.openedx.config import forget_engines
    from mentorflow.testing import _TEMPLATES, _template

    path = tmp_path / "mentorflow.db"
    shutil.copyfile(_template(tmp_path_factory, (), _TEMPLATES), path)
    url = f"sqlite:///{path}"
    settings = Settings({"MentorflowXBlock": {
        "DATABASE_URL": url, "DASHBOARD_URL": "https://mentoring.example.edu/", "SITE_NAME": "learn.example.edu",
        "DEFAULT_TEMPLATE": "peer", "EXTRA_TEMPLATES": {"peer": str(LIFECYCLE)}}})
    yield Course(url, Users(), settings, I18n())
    forget_engines()
