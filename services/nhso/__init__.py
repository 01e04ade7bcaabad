"""National Health Security Office (NHSO, สำนักงานหลักประกันสุขภาพแห่งชาติ, สปสช.): who is
covered by which health scheme, and at which hospital.

1. `contract.COVERAGE` names the only fields the portal may ask NHSO (scheme, main hospital,
   covered since), keyed by citizen ID.
2. `definitions/` holds the services: the health-coverage certificate (issued automatically)
   and the gold-card registration of a newborn, filed when a baby is born (by an officer, from
   DOPA's birth record).
3. `records` derives each person's right from DOPA's synthetic people and SSO's insured
   (section 33/39 means the social-security scheme); `registry` serves it.
4. `certificates.CONTEXTS` turns the fetched fields into the certificate template's context.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.nhso.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.nhso.contract import DATASETS
from services.nhso.registry import registry_datasets

AGENCY = Agency(
    code="nhso",
    name_th="สำนักงานหลักประกันสุขภาพแห่งชาติ",
    name_en="National Health Security Office",
    address_th="120 หมู่ที่ 3 ศูนย์ราชการเฉลิมพระเกียรติ 80 พรรษา อาคารรัฐประศาสนภักดี "
    "ถนนแจ้งวัฒนะ แขวงทุ่งสองห้อง เขตหลักสี่ กรุงเทพมหานคร 10210",
    address_en="120 Moo 3, Government Complex Commemorating His Majesty, Ratthaprasasanabhakti "
    "Building, Chaeng Watthana Road, Thung Song Hong, Lak Si, Bangkok 10210",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
