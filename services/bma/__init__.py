"""Bangkok Metropolitan Administration (BMA, กรุงเทพมหานคร): the city, standing in for any
municipality. It takes complaints and reports about the street (a broken light, flooding,
rubbish, a damaged pavement, noise) and answers them by letter.

1. `definitions/complaint.yaml` asks what, where and a description, takes an optional photo,
   and fetches only the petitioner's name from DOPA, with consent, to address the reply.
2. The city keeps no register the portal asks about: `contract.DATASETS` is empty and
   `registry.registry_datasets` returns no datasets.
3. One officer of the district office answers; `certificates.complaint_reply_context` turns
   the complaint and the officer's reply into the signed reply letter.
"""

from __future__ import annotations

from services.bma.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.bma.contract import DATASETS
from services.bma.registry import registry_datasets
from services.catalogue.agency import Agency

AGENCY = Agency(
    code="bma",
    name_th="กรุงเทพมหานคร",
    name_en="Bangkok Metropolitan Administration",
    address_th="ศาลาว่าการกรุงเทพมหานคร 173 ถนนดินสอ แขวงเสาชิงช้า เขตพระนคร กรุงเทพมหานคร 10200",
    address_en="Bangkok City Hall, 173 Dinso Road, Sao Chingcha, Phra Nakhon, Bangkok 10200",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
