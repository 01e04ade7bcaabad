"""Social Security Office (SSO, สำนักงานประกันสังคม): the register of insured persons.

1. `contract.INSURED` names the only fields the portal may ask SSO about an insured person
   (section, employer, contributions, address, hospital), keyed by citizen ID.
2. `definitions/` holds the services: the contribution certificate (issued automatically), the
   change of address filed when someone moves house, and the child-allowance claim filed when a
   baby is born (both decided by an officer from DOPA's records).
3. `records` derives each working-age person's record from DOPA's synthetic population (seeded
   per person; NHSO reads it too, so the health schemes agree); `registry` serves it.
4. `certificates.CONTEXTS` turns the fetched fields into the certificate template's context.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.sso.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.sso.contract import DATASETS
from services.sso.registry import registry_datasets

AGENCY = Agency(
    code="sso",
    name_th="สำนักงานประกันสังคม",
    name_en="Social Security Office",
    address_th="88/28 หมู่ที่ 4 ถนนติวานนท์ ตำบลตลาดขวัญ อำเภอเมืองนนทบุรี จังหวัดนนทบุรี 11000",
    address_en="88/28 Moo 4, Tiwanon Road, Talat Khwan, Mueang Nonthaburi, Nonthaburi 11000",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
