"""ASGI entry point for `portal serve` (uvicorn workers import this module)."""

from portal.app import create_app

app = create_app()
