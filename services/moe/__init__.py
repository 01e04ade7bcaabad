"""Ministry of Education (MOE, กระทรวงศึกษาธิการ): the education register.

It stands for the records of the Office of the Basic Education Commission (schools), the
Office of the Vocational Education Commission (colleges) and the universities' registrars,
which a citizen otherwise collects as transcripts from each institution.

1. `contract.EDUCATION` names the only field the portal may ask: the qualifications completed.
2. `definitions/education-record.yaml` fetches it with the citizen's consent, or takes a copy
   of the transcript from a citizen who declines.
3. `records.education_record` derives each person's qualifications from the DOPA population,
   seeded by citizen ID and fitted to their age and province; the demo people are fixed
   (Somying graduated from Chiang Mai University).
4. `registry.registry_datasets` is served by `services.agencies.create_agency_registry_app`.
5. `certificates.education_record_context` fills the certificate's table of qualifications.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.moe.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.moe.contract import DATASETS
from services.moe.registry import registry_datasets

AGENCY = Agency(
    code="moe",
    name_th="กระทรวงศึกษาธิการ",
    name_en="Ministry of Education",
    address_th="319 วังจันทรเกษม ถนนราชดำเนินนอก แขวงดุสิต เขตดุสิต กรุงเทพมหานคร 10300",
    address_en="319 Wang Chankasem, Ratchadamnoen Nok Road, Dusit, Bangkok 10300",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
