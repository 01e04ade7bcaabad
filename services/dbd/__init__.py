"""Department of Business Development (DBD, กรมพัฒนาธุรกิจการค้า): the company register.

1. `contract.COMPANY` names the fields of a limited company the portal may ask for, keyed by
   juristic person ID; the register is public, so no consent is asked.
   `contract.COMPANY_DIRECTOR` answers only match checks ("is X a director of company N?"),
   for the first director (see its limitation).
2. `records.synthetic_companies` derives companies from the DOPA population, seeded per founder,
   with directors who are people of the population. Somchai Jaidee is the sole director of
   Jaidee Trading Co., Ltd., juristic ID 0105556043212.
3. `registry.registry_datasets` are served by `services.agencies.create_agency_registry_app`.
4. `definitions/company-affidavit.yaml` issues the company affidavit automatically from
   `dbd.company`, built by `certificates.company_affidavit_context`.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.dbd.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.dbd.contract import DATASETS
from services.dbd.registry import registry_datasets

AGENCY = Agency(
    code="dbd",
    name_th="กรมพัฒนาธุรกิจการค้า",
    name_en="Department of Business Development",
    address_th="563 ถนนนนทบุรี ตำบลบางกระสอ อำเภอเมืองนนทบุรี จังหวัดนนทบุรี 11000",
    address_en="563 Nonthaburi Road, Bang Kraso, Mueang Nonthaburi, Nonthaburi 11000",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
