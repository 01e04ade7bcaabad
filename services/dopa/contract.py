"""The datasets DOPA's registry answers. Nothing outside these fields may be asked for."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

POPULATION = DatasetContract(
    agency="dopa",
    name="population",
    title_th="ทะเบียนราษฎร",
    title_en="Population register",
    fields=(
        FieldContract("title_th", "คำนำหน้านาม (ภาษาไทย)", "Title (Thai)"),
        FieldContract("given_name_th", "ชื่อ (ภาษาไทย)", "Given name (Thai)"),
        FieldContract("family_name_th", "ชื่อสกุล (ภาษาไทย)", "Family name (Thai)"),
        FieldContract("title_en", "คำนำหน้านาม (ภาษาอังกฤษ)", "Title (English)"),
        FieldContract("given_name_en", "ชื่อ (ภาษาอังกฤษ)", "Given name (English)"),
        FieldContract("family_name_en", "ชื่อสกุล (ภาษาอังกฤษ)", "Family name (English)"),
        FieldContract("birthdate", "วันเดือนปีเกิด", "Date of birth", kind="date"),
        FieldContract("gender", "เพศ", "Gender"),
        FieldContract("nationality", "สัญชาติ", "Nationality"),
        FieldContract("address", "ที่อยู่ตามทะเบียนบ้าน", "Registered house address", kind="record"),
        FieldContract("house_id", "รหัสประจำบ้าน", "House code"),
        FieldContract("moved_in_on", "วันที่ย้ายเข้าบ้านนี้", "Date moved into this house", kind="date"),
        FieldContract("status", "สถานะบุคคล (มีชีวิต/เสียชีวิต)", "Status (alive or deceased)"),
    ),
)
"""One person in the civil register, keyed by citizen ID. Religion and blood type, which the
register also holds, are left out on purpose: they are sensitive data (PDPA section 26)."""

FAMILY = DatasetContract(
    agency="dopa",
    name="family",
    title_th="ความสัมพันธ์ทางครอบครัว",
    title_en="Family relations",
    fields=(
        FieldContract(
            "children",
            "บุตรที่มีชีวิตอยู่ (เลขประจำตัวประชาชน ชื่อ วันเกิด)",
            "Living children (citizen ID, names, date of birth)",
            kind="records",
        ),
    ),
)
"""A person's living children in the register, linked by the father and mother recorded at
birth. Each record has `national_id`, the six name fields and `birthdate` (ISO). The portal
uses it to let a parent act for a minor child (majority is 20: Civil and Commercial Code,
section 19)."""

BIRTH_RECORD = DatasetContract(
    agency="dopa",
    name="birth_record",
    title_th="ทะเบียนคนเกิด (สูติบัตร)",
    title_en="Birth register (birth certificate)",
    fields=(
        FieldContract("birthdate", "วันเดือนปีเกิด", "Date of birth", kind="date"),
        FieldContract("birthplace_th", "จังหวัดที่เกิด (ภาษาไทย)", "Province of birth (Thai)"),
        FieldContract("birthplace_en", "จังหวัดที่เกิด (ภาษาอังกฤษ)", "Province of birth (English)"),
        FieldContract("father_name_th", "ชื่อบิดา (ภาษาไทย)", "Father's name (Thai)"),
        FieldContract("father_name_en", "ชื่อบิดา (ภาษาอังกฤษ)", "Father's name (English)"),
        FieldContract("father_national_id", "เลขประจำตัวประชาชนบิดา", "Father's citizen ID"),
        FieldContract("mother_name_th", "ชื่อมารดา (ภาษาไทย)", "Mother's name (Thai)"),
        FieldContract("mother_name_en", "ชื่อมารดา (ภาษาอังกฤษ)", "Mother's name (English)"),
        FieldContract("mother_national_id", "เลขประจำตัวประชาชนมารดา", "Mother's citizen ID"),
        FieldContract(
            "registered_on", "วันที่รับแจ้งการเกิด", "Date the birth was registered", kind="date"
        ),
    ),
)
"""The birth registration (Civil Registration Act B.E. 2534, section 18). A parent's citizen
ID is empty when that parent is not in the register; a parent's name may be empty too (no
father was named)."""

MARITAL_STATUS = DatasetContract(
    agency="dopa",
    name="marital_status",
    title_th="สถานภาพการสมรส",
    title_en="Marital status",
    fields=(
        FieldContract(
            "marital_status",
            "สถานภาพการสมรส (โสด/สมรส/หย่า/หม้าย)",
            "Marital status (single, married, divorced or widowed)",
        ),
        FieldContract("spouse_name_th", "ชื่อคู่สมรส (ภาษาไทย)", "Spouse's name (Thai)"),
        FieldContract("spouse_name_en", "ชื่อคู่สมรส (ภาษาอังกฤษ)", "Spouse's name (English)"),
        FieldContract(
            "registered_on",
            "วันที่จดทะเบียนสถานภาพล่าสุด",
            "Date of the last registered change",
            kind="date",
        ),
    ),
)
"""The status in the family register (Family Registration Act B.E. 2478): `single`,
`married`, `divorced` or `widowed`. The spouse's name is empty unless married; `registered_on`
is null for a person who never married."""

NAME_HISTORY = DatasetContract(
    agency="dopa",
    name="name_history",
    title_th="ประวัติการเปลี่ยนชื่อและชื่อสกุล",
    title_en="Name-change history",
    fields=(
        FieldContract(
            "previous_names",
            "ชื่อและชื่อสกุลเดิม พร้อมวันที่เปลี่ยน",
            "Previous given and family names, with the date of each change",
            kind="records",
        ),
    ),
)
"""Earlier registered names, oldest first (Personal Names Act B.E. 2505). Each record has
`given_name_th`, `family_name_th`, `given_name_en`, `family_name_en` and `changed_on` (ISO),
the name as it was until that day."""

DATASETS: tuple[DatasetContract, ...] = (
    POPULATION,
    FAMILY,
    BIRTH_RECORD,
    MARITAL_STATUS,
    NAME_HISTORY,
)
