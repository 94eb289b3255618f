"""Outgoing HTTP for the tool (platform key sets, registration, token endpoint, NRPS, AGS): timeouts, no surprises."""

from __future__ import annotations

import os
from typing import Any

import httpx

from mentorflow import __version__

TIMEOUT = float(os.environ.get("MENTORFLOW_LTI_HTTP_TIMEOUT", "10"))
USER_AGENT = f"mentorflow/{__version__} (LTI 1.3 tool)"


def client(**kwargs: Any) -> httpx.Client:
    """An HTTP client with the tool's timeout and user agent; redirects are not followed (a moved
    platform endpoint is a configuration change, not something to chase silently)."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    return httpx.Client(timeout=TIMEOUT, headers=headers, follow_redirects=False, **kwargs)
