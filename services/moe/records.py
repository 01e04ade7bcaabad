"""Deterministic synthetic education records, derived from the DOPA population.

Each person's record is drawn from `random.Random("moe:<citizen ID>")`, so it never changes with
the size of the population. Qualifications fit the person's age: the Thai school year ends in
March, a child born before mid-May finishes ม.6 in March of the year they turn 18 (a child born
later, a year after), and nothing is completed after the reference date. Schools are real
schools of the province of the person's DOPA address (or, where none is listed here, of the
nearest listed province in the same region); universities are real universities of the region
or of Bangkok, never before they were founded. Secondary school before the 1978 curriculum
reform ended in ม.ศ.3/ม.ศ.5, so older people carry those levels. The demo people are fixed.

Universities have answered to the Ministry of Higher Education, Science, Research and
Innovation since 2019; this register stands in for both ministries, as the portal asks one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from services.dopa.people import REFERENCE_DATE, Person, PersonStatus

OLD_CURRICULUM_UNTIL = 1981
"""The 1978 (B.E. 2521) curriculum's first ม.3 and ม.6 classes finished in March 1981."""


@dataclass(frozen=True)
class Institution:
    th: str
    en: str
    founded: int = 0  # first year it could have had graduates of this kind, roughly


@dataclass(frozen=True)
class Level:
    th: str
    en: str


M3 = Level("มัธยมศึกษาปีที่ 3 (ม.3)", "Lower secondary, Mathayom 3")
M6 = Level("มัธยมศึกษาปีที่ 6 (ม.6)", "Upper secondary, Mathayom 6")
OLD_M3 = Level("มัธยมศึกษาปีที่ 3 (ม.ศ.3)", "Lower secondary, Mathayom Suksa 3 (pre-1978)")
OLD_M5 = Level("มัธยมศึกษาปีที่ 5 (ม.ศ.5)", "Upper secondary, Mathayom Suksa 5 (pre-1978)")
VOC = Level("ประกาศนียบัตรวิชาชีพ (ปวช.)", "Certificate of Vocational Education")
HIGHER_VOC = Level("ประกาศนียบัตรวิชาชีพชั้นสูง (ปวส.)", "Higher Certificate of Vocational Education")
BACHELOR = Level("ปริญญาตรี", "Bachelor's degree")
MASTER = Level("ปริญญาโท", "Master's degree")


def _school(th: str, en: str) -> Institution:
    return Institution(f"โรงเรียน{th}", f"{en} School")


_SCHOOLS: dict[str, tuple[Institution, ...]] = {
    "10": (
        _school("สวนกุหลาบวิทยาลัย", "Suankularb Wittayalai"),
        _school("เตรียมอุดมศึกษา", "Triam Udom Suksa"),
        _school("สตรีวิทยา", "Satri Witthaya"),
        _school("บดินทรเดชา (สิงห์ สิงหเสนี)", "Bodindecha (Sing Singhaseni)"),
        _school("หอวัง", "Horwang"),
        _school("วัดสุทธิวราราม", "Wat Suthiwararam"),
    ),
    "12": (_school("สตรีนนทบุรี", "Satri Nonthaburi"), _school("เบญจมราชานุสรณ์", "Benjamarachanusorn")),
    "20": (_school("ชลกันยานุกูล", "Chonkanyanukoon"), _school("ชลราษฎรอำรุง", "Chonradsadornumrung")),
    "30": (
        _school("ราชสีมาวิทยาลัย", "Ratchasima Witthayalai"),
        _school("สุรนารีวิทยา", "Suranari Wittaya"),
    ),
    "34": (_school("เบญจะมะมหาราช", "Benchama Maharat"),),
    "40": (
        _school("แก่นนครวิทยาลัย", "Kaennakorn Wittayalai"),
        _school("ขอนแก่นวิทยายน", "Khon Kaen Wittayayon"),
    ),
    "41": (_school("อุดรพิทยานุกูล", "Udon Pittayanukoon"),),
    "50": (
        _school("ยุพราชวิทยาลัย", "Yupparaj Wittayalai"),
        _school("วัฒโนทัยพายัพ", "Wattanothai Payap"),
    ),
    "57": (_school("สามัคคีวิทยาคม", "Samakkhi Witthayakhom"),),
    "60": (_school("นครสวรรค์", "Nakhonsawan"),),
    "65": (
        _school("พิษณุโลกพิทยาคม", "Phitsanulok Phitthayakhom"),
        _school("เฉลิมขวัญสตรี", "Chalermkwansatree"),
    ),
    "73": (_school("พระปฐมวิทยาลัย", "Phrapathom Witthayalai"),),
    "77": (_school("ประจวบวิทยาลัย", "Prachuap Witthayalai"),),
    "80": (_school("เบญจมราชูทิศ", "Benchamarachuthit"),),
    "83": (_school("ภูเก็ตวิทยาลัย", "Phuket Wittayalai"),),
    "90": (_school("หาดใหญ่วิทยาลัย", "Hatyaiwittayalai"), _school("มหาวชิราวุธ", "Mahavajiravudh")),
}

# Region (first digit of the province code) -> provinces above to fall back on, nearest first.
_REGION_SCHOOLS: dict[str, tuple[str, ...]] = {
    "1": ("10", "12"),
    "2": ("20",),
    "3": ("30", "34"),
    "4": ("40", "41"),
    "5": ("50", "57"),
    "6": ("65", "60"),
    "7": ("73", "77"),
    "8": ("80", "83"),
    "9": ("90",),
}

_BANGKOK_UNIVERSITIES: tuple[Institution, ...] = (
    Institution("จุฬาลงกรณ์มหาวิทยาลัย", "Chulalongkorn University", 1917),
    Institution("มหาวิทยาลัยธรรมศาสตร์", "Thammasat University", 1934),
    Institution("มหาวิทยาลัยเกษตรศาสตร์", "Kasetsart University", 1943),
    Institution("มหาวิทยาลัยมหิดล", "Mahidol University", 1969),
    Institution("มหาวิทยาลัยรามคำแหง", "Ramkhamhaeng University", 1971),
    Institution("มหาวิทยาลัยศรีนครินทรวิโรฒ", "Srinakharinwirot University", 1974),
    Institution(
        "สถาบันเทคโนโลยีพระจอมเกล้าเจ้าคุณทหารลาดกระบัง",
        "King Mongkut's Institute of Technology Ladkrabang",
        1971,
    ),
)

_REGIONAL_UNIVERSITIES: dict[str, tuple[Institution, ...]] = {
    "1": _BANGKOK_UNIVERSITIES,
    "2": (Institution("มหาวิทยาลัยบูรพา", "Burapha University", 1990),),
    "3": (
        Institution("มหาวิทยาลัยเทคโนโลยีสุรนารี", "Suranaree University of Technology", 1990),
        Institution("มหาวิทยาลัยอุบลราชธานี", "Ubon Ratchathani University", 1990),
    ),
    "4": (
        Institution("มหาวิทยาลัยขอนแก่น", "Khon Kaen University", 1964),
        Institution("มหาวิทยาลัยมหาสารคาม", "Mahasarakham University", 1994),
    ),
    "5": (
        Institution("มหาวิทยาลัยเชียงใหม่", "Chiang Mai University", 1964),
        Institution("มหาวิทยาลัยแม่โจ้", "Maejo University", 1996),
        Institution("มหาวิทยาลัยแม่ฟ้าหลวง", "Mae Fah Luang University", 1998),
    ),
    "6": (Institution("มหาวิทยาลัยนเรศวร", "Naresuan University", 1990),),
    "7": (Institution("มหาวิทยาลัยศิลปากร", "Silpakorn University", 1943),),
    "8": (
        Institution("มหาวิทยาลัยวลัยลักษณ์", "Walailak University", 1992),
        Institution("มหาวิทยาลัยสงขลานครินทร์", "Prince of Songkla University", 1967),
    ),
    "9": (Institution("มหาวิทยาลัยสงขลานครินทร์", "Prince of Songkla University", 1967),),
}

_M3_FIELD = ("หลักสูตรการศึกษาขั้นพื้นฐาน", "Basic education curriculum")
_M6_FIELDS = (
    ("แผนการเรียนวิทยาศาสตร์-คณิตศาสตร์", "Science-Mathematics programme"),
    ("แผนการเรียนศิลป์-ภาษา", "Arts-Languages programme"),
    ("แผนการเรียนศิลป์-คำนวณ", "Arts-Mathematics programme"),
)
_VOC_FIELDS = (
    ("ช่างยนต์", "Automotive Mechanics"),
    ("ช่างไฟฟ้ากำลัง", "Electrical Power"),
    ("ช่างก่อสร้าง", "Construction"),
    ("การบัญชี", "Accounting"),
    ("คอมพิวเตอร์ธุรกิจ", "Business Computing"),
)
_BACHELOR_FIELDS = (
    ("บริหารธุรกิจบัณฑิต สาขาวิชาการตลาด", "Bachelor of Business Administration (Marketing)"),
    ("บัญชีบัณฑิต", "Bachelor of Accountancy"),
    ("วิศวกรรมศาสตรบัณฑิต สาขาวิชาวิศวกรรมโยธา", "Bachelor of Engineering (Civil Engineering)"),
    (
        "วิทยาศาสตรบัณฑิต สาขาวิชาวิทยาการคอมพิวเตอร์",
        "Bachelor of Science (Computer Science)",
    ),
    ("ศึกษาศาสตรบัณฑิต", "Bachelor of Education"),
    ("นิติศาสตรบัณฑิต", "Bachelor of Laws"),
    ("ศิลปศาสตรบัณฑิต สาขาวิชาภาษาอังกฤษ", "Bachelor of Arts (English)"),
)
_MASTER_FIELDS = (
    ("บริหารธุรกิจมหาบัณฑิต", "Master of Business Administration"),
    ("รัฐประศาสนศาสตรมหาบัณฑิต", "Master of Public Administration"),
    (
        "ศึกษาศาสตรมหาบัณฑิต สาขาวิชาการบริหารการศึกษา",
        "Master of Education (Educational Administration)",
    ),
    (
        "วิทยาศาสตรมหาบัณฑิต สาขาวิชาวิทยาการคอมพิวเตอร์",
        "Master of Science (Computer Science)",
    ),
)


def qualification(
    level: Level,
    institution: Institution,
    field: tuple[str, str],
    graduated_on: date,
    gpa: str,
) -> dict[str, str]:
    """One `qualifications` record, JSON-ready."""
    return {
        "level_th": level.th,
        "level_en": level.en,
        "institution_th": institution.th,
        "institution_en": institution.en,
        "field_th": field[0],
        "field_en": field[1],
        "graduated_on": graduated_on.isoformat(),
        "gpa": gpa,
    }


def _cohort_year(birthdate: date) -> int:
    """The year a person born on `birthdate` turns 18 in their ม.6 March, as school entry is
    by the academic year that starts on 16 May."""
    return birthdate.year + 18 + (1 if (birthdate.month, birthdate.day) > (5, 16) else 0)


def _gpa(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}"


def _march(rng: random.Random, year: int) -> date:
    return date(year, 3, rng.randint(10, 31))


def _school_for(person: Person, rng: random.Random) -> Institution:
    province = person.address.province_code
    schools = _SCHOOLS.get(province) or _SCHOOLS[_REGION_SCHOOLS[province[0]][0]]
    return rng.choice(schools)


def _university_for(person: Person, rng: random.Random, year: int) -> Institution | None:
    regional = _REGIONAL_UNIVERSITIES[person.address.province_code[0]]
    pool = regional if rng.random() < 0.6 else _BANGKOK_UNIVERSITIES
    open_ones = [u for u in pool if u.founded + 4 <= year] or [
        u for u in _BANGKOK_UNIVERSITIES if u.founded + 4 <= year
    ]
    return rng.choice(open_ones) if open_ones else None


def _technical_college(person: Person) -> Institution:
    address = person.address
    if address.province_code == "10":
        return Institution("วิทยาลัยเทคนิคมีนบุรี", "Min Buri Technical College")
    return Institution(
        f"วิทยาลัยเทคนิค{address.province_th}", f"{address.province_en} Technical College"
    )


def _generated(person: Person) -> list[dict[str, str]]:
    rng = random.Random(f"moe:{person.national_id}")
    cohort = _cohort_year(person.birthdate)
    # No death date is registered here: a deceased person keeps only what they finished young.
    last_year = cohort + 4 if person.status is PersonStatus.DECEASED else 9999
    born = person.birthdate.year
    found: list[dict[str, str]] = []

    def add(level: Level, where: Institution, field: tuple[str, str], on: date, gpa: str) -> bool:
        if on >= REFERENCE_DATE or on.year > last_year:
            return False
        if level in (OLD_M3, OLD_M5):
            gpa = ""  # schools graded in per cent before the 1978 curriculum
        found.append(qualification(level, where, field, on, gpa))
        return True

    school = _school_for(person, rng)
    old = cohort - 3 < OLD_CURRICULUM_UNTIL
    m3_chance = 0.45 if born < 1960 else 0.75 if born < 1980 else 0.97
    if rng.random() >= m3_chance or not add(
        OLD_M3 if old else M3, school, _M3_FIELD, _march(rng, cohort - 3), _gpa(rng, 2.0, 3.9)
    ):
        return found
    track = rng.random()
    if track < (0.35 if born < 1970 else 0.55):
        old = cohort < OLD_CURRICULUM_UNTIL
        if not add(
            OLD_M5 if old else M6,
            school,
            rng.choice(_M6_FIELDS),
            _march(rng, cohort),
            _gpa(rng, 2.0, 3.9),
        ):
            return found
        degree_year = cohort + 4
        degree_chance = 0.3 if born < 1970 else 0.55
    elif track < 0.8:
        college = _technical_college(person)
        field = rng.choice(_VOC_FIELDS)
        if not add(VOC, college, field, _march(rng, cohort), _gpa(rng, 2.0, 3.8)):
            return found
        if rng.random() >= 0.5 or not add(
            HIGHER_VOC, college, field, _march(rng, cohort + 2), _gpa(rng, 2.0, 3.8)
        ):
            return found
        degree_year = cohort + 4  # a two-year continuing degree after ปวส.
        degree_chance = 0.25
    else:
        return found
    university = _university_for(person, rng, degree_year)
    if university is None or rng.random() >= degree_chance:
        return found
    graduated = date(degree_year, rng.choice((3, 4, 5)), rng.randint(1, 28))
    if not add(BACHELOR, university, rng.choice(_BACHELOR_FIELDS), graduated, _gpa(rng, 2.0, 3.9)):
        return found
    if rng.random() < 0.12:
        year = degree_year + rng.randint(2, 12)
        add(
            MASTER,
            rng.choice([university, *(u for u in _BANGKOK_UNIVERSITIES if u.founded + 4 <= year)]),
            rng.choice(_MASTER_FIELDS),
            date(year, rng.randint(1, 12), rng.randint(1, 28)),
            _gpa(rng, 3.2, 4.0),
        )
    return found


_CMU = _REGIONAL_UNIVERSITIES["5"][0]
_KU = _BANGKOK_UNIVERSITIES[2]
_SUANKULARB = _SCHOOLS["10"][0]
_YUPPARAJ = _SCHOOLS["50"][0]
_PRACHUAP = _SCHOOLS["77"][0]
_SILPAKORN_PHETCHABURI = Institution(
    "มหาวิทยาลัยศิลปากร วิทยาเขตสารสนเทศเพชรบุรี",
    "Silpakorn University, Phetchaburi IT Campus",
    1999,
)

_DEMO_RECORDS: dict[str, list[dict[str, str]]] = {
    # Somchai Jaidee, born April 1975, Bangkok.
    "3103900123458": [
        qualification(M3, _SUANKULARB, _M3_FIELD, date(1990, 3, 16), "3.05"),
        qualification(M6, _SUANKULARB, _M6_FIELDS[0], date(1993, 3, 12), "3.08"),
        qualification(BACHELOR, _KU, _BACHELOR_FIELDS[0], date(1997, 3, 28), "3.12"),
    ],
    # Somying Rakthai, born August 1992, Chiang Mai: a Chiang Mai University graduate.
    "1509900456789": [
        qualification(M3, _YUPPARAJ, _M3_FIELD, date(2008, 3, 14), "3.71"),
        qualification(M6, _YUPPARAJ, _M6_FIELDS[0], date(2011, 3, 11), "3.62"),
        qualification(BACHELOR, _CMU, _BACHELOR_FIELDS[3], date(2015, 3, 27), "3.45"),
        qualification(MASTER, _CMU, _MASTER_FIELDS[3], date(2018, 5, 25), "3.78"),
    ],
    # The longest names, born November 1988, Prachuap Khiri Khan.
    "1770100987658": [
        qualification(M3, _PRACHUAP, _M3_FIELD, date(2004, 3, 12), "3.33"),
        qualification(M6, _PRACHUAP, _M6_FIELDS[1], date(2007, 3, 9), "3.41"),
        qualification(
            BACHELOR, _SILPAKORN_PHETCHABURI, _BACHELOR_FIELDS[6], date(2011, 4, 22), "3.27"
        ),
    ],
    # Somchai's daughter, born 2015: in primary school, nothing completed yet.
    "1103900773219": [],
    # Somchai's father, born 1944, deceased: lower secondary under the old curriculum.
    "3103900004572": [
        qualification(
            OLD_M3,
            _SCHOOLS["10"][5],
            _M3_FIELD,
            date(1960, 3, 18),
            "",
        ),
    ],
}


def education_record(person: Person) -> dict[str, object]:
    """Every `moe.education` field of one person, JSON-ready, oldest qualification first."""
    fixed = _DEMO_RECORDS.get(person.national_id)
    qualifications = [dict(q) for q in fixed] if fixed is not None else _generated(person)
    return {"qualifications": qualifications}
