"""The dataset the Ministry of Education registry answers. Nothing else may be asked for."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

EDUCATION = DatasetContract(
    agency="moe",
    name="education",
    title_th="ทะเบียนวุฒิการศึกษา",
    title_en="Education register",
    fields=(
        FieldContract(
            "qualifications",
            "วุฒิการศึกษาที่สำเร็จ",
            "Qualifications completed",
            kind="records",
        ),
    ),
)
"""The qualifications a person has completed, keyed by citizen ID, oldest first. Each is a
record of `level_th`, `level_en`, `institution_th`, `institution_en`, `field_th`, `field_en`,
`graduated_on` (ISO date) and `gpa` (a string such as "3.25", as transcripts print it).
Grades of single courses and disciplinary notes, which schools also keep, are left out."""

DATASETS: tuple[DatasetContract, ...] = (EDUCATION,)
