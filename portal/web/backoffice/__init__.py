"""The officers' back office (`/backoffice`), one module per area:

1. `signin` — sign-in with the digital ID, the second factor, the officer dependencies.
2. `queue` — queues per agency, office and service; claims, assignment, "next petition".
3. `actions` — decisions, supplement requests, transfers, notes, the message thread.
4. `dashboard` — supervisors' figures and CSV exports.
5. `admin` — the holiday calendar and other administration.
6. `kiosks` — kiosks: registration, status, prints per day, disable and enable.
"""

from fastapi import APIRouter

from portal.web.backoffice.signin import (
    OFFICER_COOKIE,
    CurrentOfficer,
    install_backoffice_error_handlers,
)

__all__ = ["OFFICER_COOKIE", "CurrentOfficer", "install_backoffice_error_handlers", "routers"]


def routers() -> list[APIRouter]:
    from portal.web.backoffice import actions, admin, dashboard, kiosks, queue, signin

    return [
        signin.router,
        queue.router,
        actions.router,
        dashboard.router,
        admin.router,
        kiosks.router,
    ]
