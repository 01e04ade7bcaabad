"""ASGI entry point for `portal serve` (uvicorn workers import this module)."""

import os

from portal.app import create_app
from portal.observability import configure_logging
from portal.runtime import freeze_startup_objects
from portal.settings import get_settings
from services.catalogue.service import get_catalogue

if os.environ.get("PORTAL_CONFIGURE_LOGGING"):  # set by `portal serve` for its worker processes
    configure_logging(log_format=get_settings().log_format, level=get_settings().log_level)

app = create_app()
get_catalogue()  # loaded now, not by the first visitor: a broken definition stops the start
freeze_startup_objects()  # after the app is built: its objects live as long as the process
