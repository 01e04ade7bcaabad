"""Department of Lands (DOL, กรมที่ดิน): the land title register.

1. `contract.LAND_TITLE` names the fields of a title deed the portal may ask for, keyed by
   "<province code>-<deed number>"; the register is public, so no consent is asked.
   `contract.TITLE_OWNER` answers only match checks ("is X the owner of deed N?"), for the
   first owner on a deed (see its limitation).
2. `records.synthetic_land_titles` derives deeds from the DOPA population, seeded per owner, with
   parcels near the owner's registered house.
3. `registry.registry_datasets` are served by `services.agencies.create_agency_registry_app`.
4. `definitions/land-title-abstract.yaml` issues the land title abstract automatically from
   `dol.land_title`, built by `certificates.land_title_abstract_context`.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.dol.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.dol.contract import DATASETS
from services.dol.registry import registry_datasets

AGENCY = Agency(
    code="dol",
    name_th="กรมที่ดิน",
    name_en="Department of Lands",
    address_th="เลขที่ 1 ถนนพระพิพิธ แขวงพระบรมมหาราชวัง เขตพระนคร กรุงเทพมหานคร 10200",
    address_en="1 Phra Phiphit Road, Phra Borom Maha Ratchawang, Phra Nakhon, Bangkok 10200",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
