"""What the API's error answers look like, for the OpenAPI description.

Every error is `PortalError.as_json()` (see `portal.app`): a machine code, the message in Thai
and English, and sometimes details. Routers declare the statuses they really answer with
`error_responses(...)`, so clients (and the Schemathesis run in the tests) can rely on the
description: a status or a body the description does not list is a defect.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorMessage(BaseModel):
    th: str
    en: str


class ErrorPublic(BaseModel):
    """An error answer: `error` is stable for programs, `message` is for people."""

    error: str
    message: ErrorMessage
    details: dict[str, Any] | None = None


DESCRIPTIONS = {
    400: "The request cannot be carried out as sent (the message says why)",
    401: "No valid access token: sign in with the digital ID and send a bearer token",
    402: "A fee is due on this document: pay it (PromptPay) and ask again",
    403: "Signed in, but not allowed (identity assurance too low, not your delegation…)",
    404: "Not found, or not yours (the two are not told apart)",
    409: "Conflicts with what already happened (an idempotency key reused, a repeat)",
    410: "Gone: expired or revoked",
    413: "The upload is larger than the limit",
    415: "The upload is not of an accepted type (checked by content)",
    422: "The request does not have the expected form",
    429: "Too many requests: wait for Retry-After seconds",
    503: "A dependency is unavailable or the database is restarting: retry after Retry-After",
}

CITIZEN_ERRORS = (401, 404, 422, 503)
"""What every citizen endpoint can answer, besides its own."""


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these statuses, each with the error body's schema."""
    return {code: {"model": ErrorPublic, "description": DESCRIPTIONS[code]} for code in codes}
