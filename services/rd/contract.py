"""The datasets the Revenue Department's registry answers. Nothing outside these fields may be
asked for."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

TAXPAYER = DatasetContract(
    agency="rd",
    name="taxpayer",
    title_th="ทะเบียนผู้เสียภาษีเงินได้บุคคลธรรมดา",
    title_en="Personal income taxpayer register",
    fields=(
        FieldContract(
            "registered_on", "วันที่ขึ้นทะเบียนผู้เสียภาษี", "Date registered as a taxpayer", kind="date"
        ),
        FieldContract("tax_office_th", "สำนักงานสรรพากรพื้นที่ (ภาษาไทย)", "Area revenue office (Thai)"),
        FieldContract(
            "tax_office_en", "สำนักงานสรรพากรพื้นที่ (ภาษาอังกฤษ)", "Area revenue office (English)"
        ),
        FieldContract(
            "filings",
            "การยื่นแบบ ภ.ง.ด. 90/91 ย้อนหลัง (ปีภาษี วันที่ยื่น ช่วงเงินได้ สถานะ)",
            "Recent P.N.D. 90/91 returns (tax year, date filed, income band, status)",
            kind="records",
        ),
        FieldContract(
            "residence",
            "สถานะผู้มีถิ่นที่อยู่ในประเทศไทยรายปีภาษี",
            "Thai tax residence by tax year",
            kind="records",
        ),
    ),
)
"""One personal income taxpayer, keyed by citizen ID (the tax identification number has been
the citizen ID since 2013). Income is held as a band, never the amount, and deductions, which
reveal health, family and insurance details, are left out (PDPA: only what a service needs).

`filings` records: `tax_year` (B.E.), `form` (ภ.ง.ด.90 or ภ.ง.ด.91), `filed_on` (ISO date),
`income_band` (assessable income in baht, such as "300,001-500,000"), `status` (`assessed`,
`refunded`, `paid` or `under_review`). `residence` records: `tax_year`, `days_in_thailand`,
`resident` ("yes" when 180 days or more, Revenue Code section 41)."""

DATASETS: tuple[DatasetContract, ...] = (TAXPAYER,)
