"""A parent acts for a minor child: the delegation is read from the population register.

The parent asks the portal to look up their children; the exchange reads `dopa.family` for
the parent (logged in the parent's "Who used my data"), and each living child under 20
(Civil and Commercial Code s.19, parental power s.1566) gets a "parent" delegation covering
every service, valid until the child turns 20 or for a year, whichever is sooner, when the
register must confirm it again. Children the portal has never seen get a citizen row with the
register's names, so the parent can file for them and they find it all when they sign in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from identity.delegation.models import Delegation
from identity.delegation.service import record_parental_delegation
from identity.models import Citizen
from identity.sessions import get_citizen_by_national_id
from portal.db import utcnow
from portal.errors import ServiceUnavailableError
from services.dopa.contract import FAMILY
from services.dopa.people import years_after
from services.dopa.records import AGE_OF_MAJORITY
from services.exchange.client import EvidenceRequest, Exchange
from services.exchange.errors import RegistryUnavailableError, SubjectNotFoundError

RECONFIRM_AFTER = timedelta(days=365)
PURPOSE = (
    "เพื่อให้ท่านยื่นคำขอแทนบุตรที่ยังไม่บรรลุนิติภาวะ",
    "To let you apply on behalf of your children under 20",
)
NAME_FIELDS = (
    "title_th",
    "given_name_th",
    "family_name_th",
    "title_en",
    "given_name_en",
    "family_name_en",
)


class RegisterUnavailableError(ServiceUnavailableError):
    code = "register_unavailable"
    default_th = "ขณะนี้ไม่สามารถติดต่อทะเบียนราษฎรได้ กรุณาลองใหม่ภายหลัง"
    default_en = "The population register cannot be reached right now; please try again later"


def derive_parental_delegations(
    db: Session, *, exchange: Exchange, parent: Citizen, today: date | None = None
) -> list[tuple[Citizen, Delegation]]:
    """Reads the parent's children from the register and records a delegation for each minor.

    Returns the children and their delegations; an adult child gets none.
    """
    request = EvidenceRequest(
        dataset=FAMILY,
        fields=("children",),
        subject=parent.national_id,
        subject_citizen_id=parent.id,  # type: ignore[arg-type]
        purpose_th=PURPOSE[0],
        purpose_en=PURPOSE[1],
        petition_id="",
        consent_id=None,
        accessed_by="portal.delegations",
        acting_user=f"citizen:{parent.id}",
    )
    try:
        answer = exchange.fetch(db, request)
    except RegistryUnavailableError as exc:
        raise RegisterUnavailableError() from exc
    except SubjectNotFoundError:
        return []
    today = today or utcnow().date()
    found = []
    for record in answer.get("children") or []:
        birthdate = date.fromisoformat(str(record["birthdate"]))
        majority = years_after(birthdate, AGE_OF_MAJORITY)
        if majority <= today:
            continue
        child = _citizen_for(db, record, birthdate)
        until = min(datetime.combine(majority, time(), tzinfo=UTC), utcnow() + RECONFIRM_AFTER)
        delegation = record_parental_delegation(
            db, child=child, parent_national_id=parent.national_id, until=until
        )
        found.append((child, delegation))
    return found


def _citizen_for(db: Session, record: dict[str, object], birthdate: date) -> Citizen:
    national_id = str(record["national_id"])
    child = get_citizen_by_national_id(db, national_id=national_id)
    if child is None:
        # Known from the register only: no digital-ID subject until they sign in themselves.
        child = Citizen(national_id=national_id, subject="", issuer="", birthdate=birthdate)
    for name in NAME_FIELDS:
        if not getattr(child, name):
            setattr(child, name, str(record.get(name) or ""))
    db.add(child)
    db.flush()
    return child
