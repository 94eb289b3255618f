"""Keep a programme's steps to working days, and hand notifications to other programs as JSON Lines."""

import json
import os
from dataclasses import asdict

from mentorflow import guard, hookimpl

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@guard("weekdays.only", params={
    "type": "object", "additionalProperties": False,
    "properties": {"days": {"type": "array", "items": {"enum": DAYS}, "minItems": 1, "uniqueItems": True}},
}, description="Only on the given days of the week (UTC); Monday to Friday unless told otherwise.")
def only_on(ctx, params):
    days = params.get("days", DAYS[:5])
    if DAYS[ctx.now.weekday()] not in days:
        return "this can only be done on " + ", ".join(days)
    return None


class JsonLinesChannel:
    """Appends each message as one line of JSON to the file named by WEEKDAYS_OUTBOX."""

    name = "jsonl"

    def send(self, message, ctx):
        path = os.environ.get("WEEKDAYS_OUTBOX", "mentorflow-messages.jsonl")
        with open(path, "a", encoding="utf-8") as outbox:
            outbox.write(json.dumps(asdict(message), ensure_ascii=False, default=str) + "\n")


@hookimpl
def mentorflow_register_guards():
    return [only_on]


@hookimpl
def mentorflow_notification_channels():
    return [JsonLinesChannel()]
