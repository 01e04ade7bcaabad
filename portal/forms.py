"""Parsing HTML forms whose fields depend on the service definition."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from starlette.datastructures import UploadFile

from portal.uploads import payload_too_large
from services.petitions.uploads import ReceivedFile

ANSWER_PREFIX = "answer_"
CONSENT_CHOICE = "consent:"
UPLOAD_PREFIX = "upload_"  # upload_<agency.dataset> for a copy instead of a fetch, or upload_<name>


@dataclass
class PetitionForm:
    """A submitted petition form: consents ticked, answers given, files attached, the form's
    idempotency key."""

    consent: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    idempotency_key: str = ""
    on_behalf_of: str = ""  # a grantor's citizen (row) id when acting for them; "" for oneself
    uploads: dict[str, ReceivedFile] = field(default_factory=dict)
    declined: list[str] = field(default_factory=list)  # datasets the citizen chose to upload


async def petition_form(request: Request) -> PetitionForm:
    """Reads the form; every attached file is read with the exact size limit (413 beyond)."""
    limit: int = request.app.state.settings.max_upload_bytes
    form = await request.form()
    uploads: dict[str, ReceivedFile] = {}
    for key, value in form.multi_items():
        if not key.startswith(UPLOAD_PREFIX) or not isinstance(value, UploadFile):
            continue
        if not value.filename:
            continue  # an empty file input: nothing chosen
        data = await value.read(limit + 1)
        if len(data) > limit:
            raise payload_too_large(limit)
        uploads[key[len(UPLOAD_PREFIX) :][:64]] = ReceivedFile(value.filename, data)
    # A checkbox `consent=<dataset>`, or a radio pair `consent:<dataset>=yes|no` where the
    # citizen may upload a copy instead.
    choices = {
        k[len(CONSENT_CHOICE) :]: v
        for k, v in form.multi_items()
        if k.startswith(CONSENT_CHOICE) and isinstance(v, str)
    }
    return PetitionForm(
        consent=[str(v) for v in form.getlist("consent")]
        + [dataset for dataset, v in choices.items() if v == "yes"],
        declined=[dataset for dataset, v in choices.items() if v == "no"],
        answers={
            k[len(ANSWER_PREFIX) :]: str(v)
            for k, v in form.items()
            if k.startswith(ANSWER_PREFIX) and isinstance(v, str)
        },
        idempotency_key=str(form.get("idempotency_key", ""))[:128],
        on_behalf_of=str(form.get("on_behalf_of", ""))[:20],
        uploads=uploads,
    )
