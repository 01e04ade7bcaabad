"""Life-event bundles: one application that files a petition with each agency involved.

The citizen answers each question once and consents to each dataset once, for every part
that needs it; every part is then an ordinary petition (its own agency, state and decision),
and all share a `bundle_id`. Either every part is filed or none is: the parts are written in
one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlmodel import Session, select

from identity.models import Citizen
from services.catalogue.definitions import (
    BundleDefinition,
    EvidenceSpec,
    FormFieldSpec,
    ServiceDefinition,
)
from services.catalogue.service import Catalogue
from services.petitions.models import Petition
from services.petitions.service import UploadStore, submit_petition
from services.petitions.uploads import ReceivedFile


def bundle_parts(catalogue: Catalogue, bundle: BundleDefinition) -> list[ServiceDefinition]:
    return [catalogue.get(code) for code in bundle.parts]


def bundle_questions(parts: list[ServiceDefinition]) -> list[FormFieldSpec]:
    """Each question once, in the order the parts ask them (a shared name is one question)."""
    seen: dict[str, FormFieldSpec] = {}
    for part in parts:
        for field in part.form:
            seen.setdefault(field.name, field)
    return list(seen.values())


def bundle_evidence(parts: list[ServiceDefinition]) -> list[EvidenceSpec]:
    """Each dataset once (the first part's wording), so the citizen consents once for all.

    A copy may replace the fetch only if every part that needs the dataset accepts a copy;
    otherwise declining would fail for the parts that do not.
    """
    seen: dict[str, EvidenceSpec] = {}
    for part in parts:
        for item in part.evidence:
            first = seen.setdefault(item.dataset, item)
            if first.upload_instead is not None and item.upload_instead is None:
                seen[item.dataset] = first.model_copy(update={"upload_instead": None})
    return list(seen.values())


def submit_bundle(
    db: Session,
    *,
    catalogue: Catalogue,
    bundle: BundleDefinition,
    citizen: Citizen,
    consented_datasets: list[str],
    answers: dict[str, str],
    channel: str,
    idempotency_key: str | None = None,
    uploads: Mapping[str, ReceivedFile] | None = None,
    upload_store: UploadStore | None = None,
) -> list[Petition]:
    """Files every part of the bundle, or returns the parts already filed with this key."""
    if idempotency_key:
        existing = _filed_with_key(db, citizen, bundle, idempotency_key)
        if existing:
            return existing
    bundle_id = str(uuid.uuid4())
    return [
        submit_petition(
            db,
            citizen=citizen,
            service=part,
            consented_datasets=consented_datasets,
            answers=answers,
            channel=channel,
            idempotency_key=f"{idempotency_key}:{part.code}" if idempotency_key else None,
            uploads=uploads,
            upload_store=upload_store,
            bundle=(bundle_id, bundle.code),
        )
        for part in bundle_parts(catalogue, bundle)
    ]


def _filed_with_key(
    db: Session, citizen: Citizen, bundle: BundleDefinition, key: str
) -> list[Petition]:
    keys = [f"{key}:{code}" for code in bundle.parts]
    rows = db.exec(
        select(Petition).where(
            Petition.citizen_id == citizen.id,
            Petition.idempotency_key.in_(keys),  # type: ignore[union-attr]
        )
    ).all()
    order = {k: i for i, k in enumerate(keys)}
    return sorted(rows, key=lambda p: order[p.idempotency_key or ""])


def bundle_petitions(db: Session, *, citizen_id: int, bundle_id: str) -> list[Petition]:
    """The parts of one bundle filed for this citizen (none of anyone else's)."""
    return list(
        db.exec(
            select(Petition)
            .where(Petition.bundle_id == bundle_id, Petition.citizen_id == citizen_id)
            .order_by(Petition.created_at)  # type: ignore[arg-type]
        ).all()
    )
