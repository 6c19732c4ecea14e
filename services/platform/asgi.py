"""The ASGI entry point for uvicorn: settings from the environment the launcher prepared."""

from __future__ import annotations

import os

from services.platform.app import create_app
from services.platform.settings import env_settings

app = create_app(env_settings(os.environ["DATABASE_URL"], os.environ["REDIS_URL"]))
