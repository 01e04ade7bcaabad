"""The datasets the Department of Land Transport's registry answers. Nothing else may be asked."""

from __future__ import annotations

from services.exchange.datasets import DatasetContract, FieldContract

VEHICLES = DatasetContract(
    agency="dlt",
    name="vehicles",
    title_th="ทะเบียนรถ",
    title_en="Vehicle register",
    fields=(
        FieldContract(
            "vehicles",
            "รถที่จดทะเบียนในชื่อผู้ถือกรรมสิทธิ์",
            "Vehicles registered to the owner",
            kind="records",
        ),
        FieldContract(
            "owner_address",
            "ที่อยู่ผู้ถือกรรมสิทธิ์ตามทะเบียนรถ",
            "Owner's address on the vehicle register",
            kind="record",
        ),
    ),
)
"""The vehicles registered to one owner, keyed by the owner's citizen ID. Each vehicle is
`{plate, plate_province_th, plate_province_en, type_code, type_th, type_en, brand, model,
colour_th, colour_en, registered_on, tax_paid_until}`. Chassis and engine numbers, which the
register also holds, are left out: no service here needs them."""

DRIVING_LICENCE = DatasetContract(
    agency="dlt",
    name="driving_licence",
    title_th="ทะเบียนใบอนุญาตขับรถ",
    title_en="Driving-licence register",
    fields=(
        FieldContract("licences", "ใบอนุญาตขับรถ", "Driving licences", kind="records"),
        FieldContract("points", "คะแนนความประพฤติในการขับรถคงเหลือ", "Driving points remaining"),
        FieldContract(
            "address", "ที่อยู่ตามใบอนุญาตขับรถ", "Address on the driving licence", kind="record"
        ),
    ),
)
"""One person's driving licences, keyed by citizen ID. Each licence is `{number, class_code,
class_th, class_en, issued_on, expires_on, status}`; `points` is what is left of the 12
behaviour points (Land Traffic Act B.E. 2522 as amended in B.E. 2560). The photo and medical
certificate stay with the department."""

DATASETS: tuple[DatasetContract, ...] = (VEHICLES, DRIVING_LICENCE)
