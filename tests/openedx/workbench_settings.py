"""Django settings for the xblock-sdk workbench in tests: the stock settings with temporary databases.

``MENTORFLOW_WORKBENCH_DIR`` is a folder of the test's own: Django's SQLite
file and the engine's live there, and the server runs in it (the stock
settings log to ``var/workbench.log`` relative to the working directory).
"""

import os
from pathlib import Path

os.environ.setdefault("EXCLUDE_SAMPLE_XBLOCKS", "yes")  # only mentorflow's scenarios on the index page

from workbench.settings import *  # noqa: F403

FOLDER = Path(os.environ["MENTORFLOW_WORKBENCH_DIR"])
(FOLDER / "var").mkdir(parents=True, exist_ok=True)

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(FOLDER / "workbench.db")}}
XBLOCK_SETTINGS = {
    "MentorflowXBlock": {
        "DATABASE_URL": f"sqlite:///{FOLDER / 'mentorflow.db'}",
        "AUTO_MIGRATE": True,
        "DASHBOARD_URL": "http://127.0.0.1:9/",
        "WORKBENCH_STAFF": ["carla"],
        "DEFAULT_TEMPLATE": "peer",
        "EXTRA_TEMPLATES": {"peer": str(Path(__file__).parent / "data" / "simple-lifecycle.json")},
    },
}
LOGGING["handlers"]["logfile"]["filename"] = str(FOLDER / "var" / "workbench.log")  # noqa: F405
