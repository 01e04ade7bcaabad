"""ASGI entry point for `portal serve` (uvicorn workers import this module)."""

import os

from portal.app import create_app
from portal.observability import configure_logging
from portal.settings import get_settings

if os.environ.get("PORTAL_CONFIGURE_LOGGING"):  # set by `portal serve` for its worker processes
    configure_logging(log_format=get_settings().log_format, level=get_settings().log_level)

app = create_app()
