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

DATASETS: tuple[DatasetContract, ...] = (POPULATION,)
