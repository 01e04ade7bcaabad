"""The citizen's mailbox (citizen, bearer token)."""

from __future__ import annotations

from fastapi import APIRouter

from portal.api.v1.responses import CITIZEN_ERRORS, error_responses
from portal.deps import ApiCitizen, Db
from services.mailbox.models import MailboxMessagePublic
from services.mailbox.queries import list_messages

router = APIRouter(prefix="/api/v1", tags=["citizen"], responses=error_responses(*CITIZEN_ERRORS))


@router.get("/me/mailbox", response_model=list[MailboxMessagePublic])
def my_mailbox(db: Db, citizen: ApiCitizen) -> list[MailboxMessagePublic]:
    """The caller's mailbox messages, newest first (at most 100). Reading here marks nothing."""
    return [
        MailboxMessagePublic.model_validate(m, from_attributes=True)
        for m in list_messages(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    ]
