"""The dataset the Royal Thai Police registry answers. Nothing outside these fields may be asked."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

CRIMINAL_RECORD = DatasetContract(
    agency="rtp",
    name="criminal_record",
    title_th="ทะเบียนประวัติอาชญากร",
    title_en="Criminal record register",
    fields=(
        FieldContract(
            "record_status",
            "ผลการตรวจสอบประวัติ (ไม่พบ/พบ)",
            "Result of the record search (none or found)",
        ),
        FieldContract(
            "convictions",
            "คดีที่ศาลพิพากษาว่ากระทำความผิด",
            "Convictions by final judgment",
            kind="records",
        ),
    ),
)
"""One person's entry in the register of the Criminal Records Division (กองทะเบียนประวัติ
อาชญากร), keyed by citizen ID. Only final convictions are answered, each as `case_number`,
`court_th`, `court_en`, `offence_th`, `offence_en`, `judged_on` (ISO date), `sentence_th` and
`sentence_en`. Arrests, acquittals and fingerprint images, which the division also holds, are
left out: criminal records are sensitive data (PDPA section 26) and a certificate needs no more."""

DATASETS: tuple[DatasetContract, ...] = (CRIMINAL_RECORD,)
