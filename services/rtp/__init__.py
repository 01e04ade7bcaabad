"""Royal Thai Police (RTP, สำนักงานตำรวจแห่งชาติ): the criminal record register.

The register is kept by the Criminal Records Division (กองทะเบียนประวัติอาชญากร), which issues
the criminal-record certificate (ใบรับรองผลการตรวจสอบประวัติบุคคล) employers and embassies ask for.

1. `contract.CRIMINAL_RECORD` names the only fields the portal may ask: whether the name and
   fingerprint search found anything, and the final convictions if it did.
2. `definitions/criminal-record-certificate.yaml` fetches them with the citizen's consent; a
   police check cannot be replaced by a paper copy, so the item cannot be declined.
3. `records.criminal_record` derives each person's record from the DOPA population, seeded by
   citizen ID: about 2 % of adults have a conviction, children and the demo people none.
4. `registry.registry_datasets` is served by `services.agencies.create_agency_registry_app`.
5. `certificates.criminal_record_context` fills the certificate, which lists convictions when
   there are any rather than refusing to issue.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.rtp.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.rtp.contract import DATASETS
from services.rtp.registry import registry_datasets

AGENCY = Agency(
    code="rtp",
    name_th="สำนักงานตำรวจแห่งชาติ",
    name_en="Royal Thai Police",
    address_th="1 ถนนพระรามที่ 1 แขวงวังใหม่ เขตปทุมวัน กรุงเทพมหานคร 10330",
    address_en="1 Rama I Road, Wang Mai, Pathum Wan, Bangkok 10330",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
