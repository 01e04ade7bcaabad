"""Parsing HTML forms whose fields depend on the service definition."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

ANSWER_PREFIX = "answer_"


@dataclass
class PetitionForm:
    """A submitted petition form: consents ticked, answers given, the form's idempotency key."""

    consent: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    idempotency_key: str = ""
    on_behalf_of: str = ""  # a grantor's citizen (row) id when acting for them; "" for oneself


async def petition_form(request: Request) -> PetitionForm:
    form = await request.form()
    return PetitionForm(
        consent=[str(v) for v in form.getlist("consent")],
        answers={
            k[len(ANSWER_PREFIX) :]: str(v)
            for k, v in form.items()
            if k.startswith(ANSWER_PREFIX) and isinstance(v, str)
        },
        idempotency_key=str(form.get("idempotency_key", ""))[:128],
        on_behalf_of=str(form.get("on_behalf_of", ""))[:20],
    )
