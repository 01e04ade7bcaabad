"""Department of Provincial Administration (DOPA, กรมการปกครอง): the civil register.

1. `contract.POPULATION` names the only fields the portal may ask DOPA about a person.
2. A service definition in `definitions/` lists the fields it needs as evidence, with a purpose.
3. `services.exchange` posts the query to the registry URL configured for `dopa`, carrying the
   caller, purpose, petition and consent reference.
4. `registry.registry_datasets`, served by `services.agencies.create_agency_registry_app`, is
   the reference registry: it checks the key, the signature, the headers and the contract,
   answers only the fields asked for, and keeps a log of what it was asked.
5. `people.synthetic_population` fills it with deterministic synthetic people, the demo
   people first.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.dopa.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.dopa.contract import DATASETS
from services.dopa.registry import registry_datasets

AGENCY = Agency(
    code="dopa",
    name_th="กรมการปกครอง",
    name_en="Department of Provincial Administration",
    address_th="ถนนอัษฎางค์ แขวงวัดราชบพิธ เขตพระนคร กรุงเทพมหานคร 10200",
    address_en="Atsadang Road, Wat Ratchabophit, Phra Nakhon, Bangkok 10200",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
