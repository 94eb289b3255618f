"""HTML forms from a workflow form's JSON Schema (moved to :mod:`mentorflow.integrations.shared.forms`).

Kept so code importing ``mentorflow.integrations.web.forms`` keeps working.
"""

from mentorflow.integrations.shared.forms import Field, FormDecodeError, decode, fields

__all__ = ["Field", "FormDecodeError", "decode", "fields"]
