"""The dataset the Social Security Office's registry answers. Nothing else may be asked for."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

INSURED = DatasetContract(
    agency="sso",
    name="insured",
    title_th="ทะเบียนผู้ประกันตน",
    title_en="Register of insured persons",
    fields=(
        FieldContract("section", "มาตราที่ประกันตน (33/39/40)", "Insured under section (33/39/40)"),
        FieldContract("status", "สถานะผู้ประกันตน", "Insured status"),
        FieldContract("employer_name_th", "ชื่อนายจ้าง (ภาษาไทย)", "Employer (Thai)"),
        FieldContract("employer_name_en", "ชื่อนายจ้าง (ภาษาอังกฤษ)", "Employer (English)"),
        FieldContract("employment_start", "วันที่เริ่มงานกับนายจ้างปัจจุบัน", "Employed since", kind="date"),
        FieldContract("contribution_months", "จำนวนเดือนที่ส่งเงินสมทบทั้งหมด", "Months of contributions"),
        FieldContract(
            "contributions",
            "การส่งเงินสมทบ 12 เดือนล่าสุด",
            "Contributions of the last 12 months",
            kind="records",
        ),
        FieldContract("address", "ที่อยู่ผู้ประกันตน", "Address of the insured person", kind="record"),
        FieldContract(
            "hospital", "สถานพยาบาลตามสิทธิประกันสังคม", "Social-security hospital", kind="record"
        ),
    ),
)
"""One insured person, keyed by citizen ID. `contributions` are `{month (YYYY-MM), wage_base,
amount}` in baht (wage_base empty under section 40, which has fixed amounts); `hospital` is
`{name_th, name_en, province_th, province_en}`, empty under section 40. Wages above the
contribution ceiling, and the benefits a person has claimed (sickness, which is health data under
PDPA section 26), are left out."""

DATASETS: tuple[DatasetContract, ...] = (INSURED,)
