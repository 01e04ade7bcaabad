"""Revenue Department (RD, กรมสรรพากร): the personal income taxpayer register.

1. `contract.TAXPAYER` names the only fields the portal may ask RD about a taxpayer, keyed by
   citizen ID (the tax identification number since 2013).
2. `records.synthetic_taxpayers` derives each person's registration, recent returns (income as a
   band only) and days in Thailand per tax year from the DOPA population, seeded per person.
3. `registry.registry_datasets` are served by `services.agencies.create_agency_registry_app`.
4. `definitions/tax-residence-certificate.yaml` issues the certificate of tax residence
   (used abroad under double taxation agreements) from `rd.taxpayer` and `dopa.population`; an
   officer checks it, and `certificates.tax_residence_context` refuses a year the person was
   not resident, so that petition stays with the officer.
"""

from __future__ import annotations

from services.catalogue.agency import Agency
from services.rd.certificates import CONTEXTS as CERTIFICATE_CONTEXTS
from services.rd.contract import DATASETS
from services.rd.registry import registry_datasets

AGENCY = Agency(
    code="rd",
    name_th="กรมสรรพากร",
    name_en="The Revenue Department",
    address_th="90 ซอยพหลโยธิน 7 ถนนพหลโยธิน แขวงพญาไท เขตพญาไท กรุงเทพมหานคร 10400",
    address_en="90 Soi Phahon Yothin 7, Phahon Yothin Road, Phaya Thai, Bangkok 10400",
    datasets=DATASETS,
)

__all__ = ["AGENCY", "CERTIFICATE_CONTEXTS", "registry_datasets"]
