"""The dataset the National Health Security Office's registry answers. Nothing else may be asked."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

COVERAGE = DatasetContract(
    agency="nhso",
    name="coverage",
    title_th="ทะเบียนสิทธิหลักประกันสุขภาพ",
    title_en="Health-coverage register",
    fields=(
        FieldContract("scheme", "สิทธิการรักษาพยาบาล", "Health-coverage scheme", kind="record"),
        FieldContract("main_hospital", "หน่วยบริการประจำ", "Main hospital", kind="record"),
        FieldContract("registered_since", "วันที่เริ่มใช้สิทธิ", "Covered since", kind="date"),
    ),
)
"""One person's health-coverage right, keyed by citizen ID. `scheme` is `{code (UCS, SSS or
CSMBS), name_th, name_en}`; `main_hospital` is `{name_th, name_en, province_th, province_en}`,
empty under CSMBS, which any public hospital serves. Diagnoses and visits stay with the hospitals
(health data, PDPA section 26)."""

DATASETS: tuple[DatasetContract, ...] = (COVERAGE,)
