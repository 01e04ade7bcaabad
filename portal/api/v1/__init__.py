"""The JSON API, version 1: the same journey as the web, for apps and other systems.

Citizen endpoints take a bearer access token from the digital-ID provider; public ones none.
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from portal.api.v1 import (
        data_access,
        documents,
        mailbox,
        payments,
        petitions,
        services,
        statistics,
        verify,
    )

    return [
        services.router,
        petitions.router,
        documents.router,
        data_access.router,
        mailbox.router,
        verify.router,
        statistics.router,
        payments.public,
        payments.router,
    ]
