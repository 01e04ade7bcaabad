"""The datasets the Department of Business Development's registry answers. Nothing outside
these fields may be asked for."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

COMPANY = DatasetContract(
    agency="dbd",
    name="company",
    title_th="ทะเบียนนิติบุคคล (บริษัทจำกัด)",
    title_en="Register of juristic persons (limited companies)",
    subject_kind="juristic_id",
    public=True,
    fields=(
        FieldContract("name_th", "ชื่อนิติบุคคล (ภาษาไทย)", "Company name (Thai)"),
        FieldContract("name_en", "ชื่อนิติบุคคล (ภาษาอังกฤษ)", "Company name (English)"),
        FieldContract("registered_on", "วันที่จดทะเบียนจัดตั้ง", "Date of incorporation", kind="date"),
        FieldContract("status", "สถานะนิติบุคคล (active/closed)", "Status (active or closed)"),
        FieldContract("registered_capital_baht", "ทุนจดทะเบียน (บาท)", "Registered capital (baht)"),
        FieldContract("head_office", "ที่ตั้งสำนักงานแห่งใหญ่", "Head office address", kind="record"),
        FieldContract("directors", "รายชื่อกรรมการ", "Directors", kind="records"),
        FieldContract(
            "signatory_rule_th", "กรรมการผู้มีอำนาจลงชื่อ (ภาษาไทย)", "Authorised signatories (Thai)"
        ),
        FieldContract(
            "signatory_rule_en",
            "กรรมการผู้มีอำนาจลงชื่อ (ภาษาอังกฤษ)",
            "Authorised signatories (English)",
        ),
    ),
)
"""One limited company, keyed by its 13-digit juristic person ID (0 + registration office +
company type + B.E. year of registration + running number + mod-11 check digit). The company
register is public (Civil and Commercial Code section 1020: anyone may inspect it and ask for
certified copies), so no consent. Shareholders, which the register also holds, are left out:
the affidavit does not list them.

`head_office` has the house-address keys of `dopa.population`'s `address`. `directors` records:
`national_id` and the Thai and English title and names."""

COMPANY_DIRECTOR = DatasetContract(
    agency="dbd",
    name="company_director",
    title_th="กรรมการของนิติบุคคล (ตรวจสอบเท่านั้น)",
    title_en="Company director (match check only)",
    subject_kind="juristic_id",
    fields=(
        FieldContract(
            "director_national_id", "เลขประจำตัวประชาชนของกรรมการ", "Director's citizen ID"
        ),
    ),
)
"""For match checks ("is X a director of company N?") by other services; ask `match`, never
fetch it.

Limitation: the generic registry compares one value per field, so `director_national_id` is the
FIRST director only; another director's match answers false. Checking every director needs a
match over a list (an exchange change) or an `adapter.py`."""

DATASETS: tuple[DatasetContract, ...] = (COMPANY, COMPANY_DIRECTOR)
