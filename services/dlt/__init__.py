"""Department of Land Transport (DLT, กรมการขนส่งทางบก): vehicles and driving licences.

1. `contract.VEHICLES` (the vehicles registered to an owner, with the owner's address) and
   `contract.DRIVING_LICENCE` (a person's licences, points and address) are the only things the
   portal may ask DLT, both keyed by citizen ID.
2. `definitions/` holds the services: the vehicle-registration certificate and the
   driving-licence record (certificates, issued automatically), and the two address updates
   filed when someone moves house (recorded by an officer from DOPA's new address).
3. `records` derives each person's vehicles and licences from DOPA's synthetic population
   (seeded per person, so agencies agree);
   `services.agencies.create_agency_registry_app` serves them.
4. `certificates.CONTEXTS` turns the fetched fields into the certificate templates' context.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.dlt.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.dlt.contract import DATASETS
from services.dlt.registry import registry_datasets

AGENCY = Agency(
    code="dlt",
    name_th="กรมการขนส่งทางบก",
    name_en="Department of Land Transport",
    address_th="1032 ถนนพหลโยธิน แขวงจอมพล เขตจตุจักร กรุงเทพมหานคร 10900",
    address_en="1032 Phahon Yothin Road, Chom Phon, Chatuchak, Bangkok 10900",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
