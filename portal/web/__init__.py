"""Web pages. Every router names its audience in its tag: public or citizen."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from portal import metrics
    from portal.web import (
        access_log,
        account,
        apply,
        approvals,
        auth,
        backoffice,
        catalogue,
        delegations,
        documents,
        home,
        kiosk,
        kiosk_agent,
        kiosk_journey,
        mailbox,
        payments,
        petitions,
        pki,
        shares,
        statistics,
        supplements,
        verify,
    )

    return [
        home.health,
        home.router,
        auth.router,
        catalogue.public,
        apply.router,
        approvals.router,
        petitions.router,
        supplements.router,
        documents.router,
        payments.router,
        access_log.router,
        account.router,
        mailbox.router,
        delegations.router,
        verify.router,
        pki.router,
        shares.router,
        statistics.router,
        metrics.router,
        *backoffice.routers(),
        kiosk.router,
        kiosk_agent.router,
        kiosk_journey.router,
    ]
