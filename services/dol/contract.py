"""The datasets the Department of Lands' registry answers. Nothing outside these fields may be
asked for."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

LAND_TITLE = DatasetContract(
    agency="dol",
    name="land_title",
    title_th="ทะเบียนโฉนดที่ดิน",
    title_en="Land title register",
    subject_kind="title_deed",
    public=True,
    fields=(
        FieldContract("deed_no", "เลขที่โฉนดที่ดิน", "Title deed number"),
        FieldContract("land_office_th", "สำนักงานที่ดิน (ภาษาไทย)", "Land office (Thai)"),
        FieldContract("land_office_en", "สำนักงานที่ดิน (ภาษาอังกฤษ)", "Land office (English)"),
        FieldContract("parcel", "ที่ตั้งแปลงที่ดิน", "Parcel location", kind="record"),
        FieldContract("area", "เนื้อที่ (ไร่-งาน-ตารางวา)", "Area (rai-ngan-square wah)", kind="record"),
        FieldContract("owners", "ผู้ถือกรรมสิทธิ์", "Owners", kind="records"),
        FieldContract(
            "encumbrances", "ภาระผูกพัน (การจำนอง)", "Encumbrances (mortgages)", kind="records"
        ),
    ),
)
"""One title deed (โฉนดที่ดิน), keyed by "<province code>-<deed number>" (such as "10-12345").
The land register is public (Land Code B.E. 2497): anyone may ask for an abstract, so no consent.

`parcel`: `parcel_no` (เลขที่ดิน), `survey_page` (หน้าสำรวจ), `subdistrict_code` and the
subdistrict, district and province names in Thai and English. `area`: `rai`, `ngan`,
`square_wah` (1 rai = 4 ngan = 400 square wah = 1,600 m²). `owners` records: `national_id`, the
Thai and English title and names, `acquired_on`. `encumbrances` records: `kind_th`, `kind_en`,
`holder_th`, `holder_en` (the bank), `registered_on`; empty when the land is unencumbered."""

TITLE_OWNER = DatasetContract(
    agency="dol",
    name="title_owner",
    title_th="ผู้ถือกรรมสิทธิ์ตามโฉนดที่ดิน (ตรวจสอบเท่านั้น)",
    title_en="Title deed owner (match check only)",
    subject_kind="title_deed",
    fields=(
        FieldContract("owner_national_id", "เลขประจำตัวประชาชนของผู้ถือกรรมสิทธิ์", "Owner's citizen ID"),
    ),
)
"""For match checks ("is X an owner of deed N?") by other services. Not public: a citizen ID is
personal data, so a service should only ever ask `match`, never fetch it.

Limitation: the generic registry compares one value per field, so `owner_national_id` is the
FIRST owner on the deed only; a co-owner's match answers false. Checking every co-owner needs a
match over a list (an exchange change) or an `adapter.py`."""

DATASETS: tuple[DatasetContract, ...] = (LAND_TITLE, TITLE_OWNER)
