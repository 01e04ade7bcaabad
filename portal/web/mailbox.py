"""The citizen's mailbox (the legal channel of record) and their notification channels."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.csrf import CsrfProtected
from portal.deps import CurrentCitizen, Db
from portal.templating import render
from services.mailbox.queries import count_unread, list_messages
from services.mailbox.service import mark_unread, open_message
from services.notifications.errors import PreferencesInvalidError
from services.notifications.service import get_preferences, save_preferences

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/me/mailbox", response_class=HTMLResponse)
def mailbox(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    messages = list_messages(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    return render(request, "mailbox.html", messages=messages)


@router.get("/me/mailbox/{message_id}", response_class=HTMLResponse)
def read_message(message_id: str, request: Request, db: Db, citizen: CurrentCitizen) -> Response:
    message = open_message(db, citizen_id=citizen.id, message_id=message_id)  # type: ignore[arg-type]
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:  # counted before this message was marked read
        unread = count_unread(db, citizen_id=citizen.id)  # type: ignore[arg-type]
        request.state.viewer = replace(viewer, unread_messages=unread)
    return render(request, "mailbox_message.html", message=message)


@router.post("/me/mailbox/{message_id}/unread", dependencies=[CsrfProtected])
def unread(message_id: str, db: Db, citizen: CurrentCitizen) -> RedirectResponse:
    mark_unread(db, citizen_id=citizen.id, message_id=message_id)  # type: ignore[arg-type]
    return RedirectResponse("/me/mailbox", status_code=303)


@router.get("/me/notifications", response_class=HTMLResponse)
def notification_settings(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    preference = get_preferences(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    return render(
        request,
        "notification_settings.html",
        form={
            "email": preference.email,
            "phone": preference.phone,
            "email_enabled": preference.email_enabled,
            "sms_enabled": preference.sms_enabled,
        },
        problems={},
        error=None,
        saved=request.query_params.get("saved") == "1",
    )


@router.post("/me/notifications", dependencies=[CsrfProtected])
def save_notification_settings(
    request: Request,
    db: Db,
    citizen: CurrentCitizen,
    email: Annotated[str, Form(max_length=320)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
    email_enabled: Annotated[str, Form(max_length=8)] = "",
    sms_enabled: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    form = {
        "email": email,
        "phone": phone,
        "email_enabled": bool(email_enabled),
        "sms_enabled": bool(sms_enabled),
    }
    try:
        save_preferences(db, citizen_id=citizen.id, **form)  # type: ignore[arg-type]
    except PreferencesInvalidError as error:
        return render(
            request,
            "notification_settings.html",
            status_code=error.status_code,
            form=form,
            problems=error.problems,
            error=error,
            saved=False,
        )
    return RedirectResponse("/me/notifications?saved=1", status_code=303)
