"""Fee exemption categories, defined once; a service lists those it honours.

A service definition names categories in `fee_exemptions:` (validated against `CATEGORIES`).
When its document is issued, the first category in the definition's order that applies to the
citizen waives the fee: the payment row is written with status `exempt` and the category, and
the citizen sees why ("Fee waived: aged 60 or over").

- `elderly` and `child` are decided from `Citizen.birthdate` (from the digital ID) on the
  Bangkok date of issue: 60 or over (Older Persons Act B.E. 2546), under 15.
- `disability_card` and `welfare_card` cannot be read from any register the portal reaches,
  so an administrator records them per citizen ID (`FeeExemptionGrant`, `portal payments
  exemptions grant`), with the card or list they saw and an optional last day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from identity.models import Citizen
from services.payments.errors import UnknownExemptionError
from services.payments.models import FeeExemptionGrant

ELDERLY_AGE = 60
CHILD_AGE = 15


@dataclass(frozen=True)
class ExemptionCategory:
    code: str
    # Shown to the citizen after "Fee waived: " / "ยกเว้นค่าธรรมเนียม: ".
    reason_th: str
    reason_en: str
    # True when a grant recorded by an administrator is needed (no register tells us).
    needs_grant: bool = False
    applies: Callable[[Citizen, date], bool] | None = None


def age_on(birthdate: date, day: date) -> int:
    """Completed years on `day` (a 29 February birthday counts on 1 March in common years)."""
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def _elderly(citizen: Citizen, day: date) -> bool:
    return citizen.birthdate is not None and age_on(citizen.birthdate, day) >= ELDERLY_AGE


def _child(citizen: Citizen, day: date) -> bool:
    return citizen.birthdate is not None and age_on(citizen.birthdate, day) < CHILD_AGE


CATEGORIES: dict[str, ExemptionCategory] = {
    c.code: c
    for c in (
        ExemptionCategory("elderly", "อายุ 60 ปีขึ้นไป", "aged 60 or over", applies=_elderly),
        ExemptionCategory("child", "อายุต่ำกว่า 15 ปี", "under 15 years old", applies=_child),
        ExemptionCategory("disability_card", "ผู้ถือบัตรประจำตัวคนพิการ", "disability card holder", True),
        ExemptionCategory("welfare_card", "ผู้ถือบัตรสวัสดิการแห่งรัฐ", "state welfare card holder", True),
    )
}


def get_category(code: str) -> ExemptionCategory:
    try:
        return CATEGORIES[code]
    except KeyError:
        raise UnknownExemptionError(f"unknown fee exemption category {code!r}") from None


def exemption_for(
    db: Session, *, citizen: Citizen, categories: Iterable[str], on: date
) -> str | None:
    """The first of `categories` (a service's `fee_exemptions`) that applies to the citizen."""
    categories = tuple(categories)
    if not categories:
        return None
    granted = _granted_categories(db, national_id=citizen.national_id, on=on)
    for code in categories:
        category = get_category(code)
        if category.needs_grant:
            if code in granted:
                return code
        elif category.applies is not None and category.applies(citizen, on):
            return code
    return None


def _granted_categories(db: Session, *, national_id: str, on: date) -> set[str]:
    rows = db.exec(
        select(FeeExemptionGrant).where(
            FeeExemptionGrant.national_id == national_id,
            col(FeeExemptionGrant.revoked_at).is_(None),
        )
    ).all()
    return {g.category for g in rows if g.valid_until is None or g.valid_until >= on}


def grant_exemption(
    db: Session,
    *,
    national_id: str,
    category: str,
    source: str,
    valid_until: date | None,
    actor: str,
) -> FeeExemptionGrant:
    """Records that a citizen holds a card waiving fees (an administrator saw it). Audited;
    granting again updates the source and last day and clears a revocation."""
    from identity.citizen_ids import is_valid_citizen_id
    from portal.db import utcnow
    from portal.errors import BadRequestError
    from services.audit.service import record_event

    if not get_category(category).needs_grant:
        raise BadRequestError(
            f"{category} is decided from the digital ID, not granted",
            f"{category} ระบบตัดสินจากข้อมูลดิจิทัลไอดี ไม่ต้องบันทึก",
        )
    if not is_valid_citizen_id(national_id):
        raise BadRequestError("not a valid citizen ID", "เลขประจำตัวประชาชนไม่ถูกต้อง")
    grant = db.exec(
        select(FeeExemptionGrant).where(
            FeeExemptionGrant.national_id == national_id, FeeExemptionGrant.category == category
        )
    ).first() or FeeExemptionGrant(national_id=national_id, category=category)
    grant.source, grant.valid_until = source[:200], valid_until
    grant.granted_at, grant.revoked_at = utcnow(), None
    db.add(grant)
    db.flush()
    record_event(
        db,
        actor=actor,
        action="fee_exemption.granted",
        object_type="fee_exemption_grant",
        object_id=grant.id,  # type: ignore[arg-type]
        details={"category": category, "source": grant.source},
    )
    return grant


def revoke_exemption(db: Session, *, national_id: str, category: str, actor: str) -> bool:
    """Ends a grant; False when there was none in force."""
    from portal.db import utcnow
    from services.audit.service import record_event

    grant = db.exec(
        select(FeeExemptionGrant).where(
            FeeExemptionGrant.national_id == national_id,
            FeeExemptionGrant.category == category,
            col(FeeExemptionGrant.revoked_at).is_(None),
        )
    ).first()
    if grant is None:
        return False
    grant.revoked_at = utcnow()
    db.add(grant)
    db.flush()
    record_event(
        db,
        actor=actor,
        action="fee_exemption.revoked",
        object_type="fee_exemption_grant",
        object_id=grant.id,  # type: ignore[arg-type]
    )
    return True
