"""Shared fixtures live in tests/fixtures/; this file only registers them and reports."""

from __future__ import annotations

import os

import pytest

# The bundled provider runs on plain http://127.0.0.1 in tests.
os.environ.setdefault("PORTAL_ENV", "development")

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.servers",
    "tests.fixtures.identity",
    "tests.fixtures.browser",
    "tests.fixtures.catalogue",
    "tests.fixtures.payments",
    "tests.fixtures.pgcluster",
]


def pytest_report_header(config: pytest.Config) -> str:
    from tests.fixtures.db import DATABASES

    return f"portal test databases: {', '.join(DATABASES)}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    from tests.fixtures.db import USED

    used = ", ".join(sorted(USED)) or "none"
    terminalreporter.write_line(f"databases used by this run: {used}")
