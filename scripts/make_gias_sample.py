"""Write fixtures/gias_sample.csv: an illustrative file in the GIAS establishments format.

The real register (edubasealldata*.csv) is downloaded from the DfE's Get
Information About Schools service. This sample has the same header, encoding
(Windows-1252), line endings and date format, but every row is made up: URNs
are in the 900000-999999 range and names, figures and postcodes are invented.
Rows named after the lead schools recorded in fixtures/reference/hubs.csv carry
only that name and one of the hub's authorities from the real world; their URN
and phase are invented, and their type, street, postcode and figures are blank.

Deterministic: the same seed writes the same file.

    .venv/bin/python scripts/make_gias_sample.py [--out fixtures/gias_sample.csv]

The benchmark (scripts/bench_import_schools.py) reuses the row builder. The
place names, saints and postcode areas are demo/placenames.py's, which the
generated network (demo/network) draws from too.
"""

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Plain Python (no Django): the words the generated network draws from too.
from demo.placenames import (
    INWARD_LETTERS,
    PLACES,
    POSTCODE_AREAS,
    PRIMARY_KINDS,
    SAINTS,
    SECONDARY_KINDS,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "fixtures" / "reference"
SEED = 20240101

# The header of edubasealldata*.csv as published in early 2024, in file order.
HEADER = (
    'URN', 'LA (code)', 'LA (name)', 'EstablishmentNumber', 'EstablishmentName',
    'TypeOfEstablishment (code)', 'TypeOfEstablishment (name)', 'EstablishmentTypeGroup (code)',
    'EstablishmentTypeGroup (name)', 'EstablishmentStatus (code)', 'EstablishmentStatus (name)',
    'ReasonEstablishmentOpened (code)', 'ReasonEstablishmentOpened (name)', 'OpenDate',
    'ReasonEstablishmentClosed (code)', 'ReasonEstablishmentClosed (name)', 'CloseDate',
    'PhaseOfEducation (code)', 'PhaseOfEducation (name)', 'StatutoryLowAge', 'StatutoryHighAge',
    'Boarders (code)', 'Boarders (name)', 'NurseryProvision (name)', 'OfficialSixthForm (code)',
    'OfficialSixthForm (name)', 'Gender (code)', 'Gender (name)', 'ReligiousCharacter (code)',
    'ReligiousCharacter (name)', 'ReligiousEthos (name)', 'Diocese (code)', 'Diocese (name)',
    'AdmissionsPolicy (code)', 'AdmissionsPolicy (name)', 'SchoolCapacity',
    'SpecialClasses (code)', 'SpecialClasses (name)', 'CensusDate', 'NumberOfPupils',
    'NumberOfBoys', 'NumberOfGirls', 'PercentageFSM', 'TrustSchoolFlag (code)',
    'TrustSchoolFlag (name)', 'Trusts (code)', 'Trusts (name)', 'SchoolSponsorFlag (name)',
    'SchoolSponsors (name)', 'FederationFlag (name)', 'Federations (code)', 'Federations (name)',
    'UKPRN', 'FEHEIdentifier', 'FurtherEducationType (name)', 'OfstedLastInsp',
    'OfstedSpecialMeasures (code)', 'OfstedSpecialMeasures (name)', 'LastChangedDate', 'Street',
    'Locality', 'Address3', 'Town', 'County (name)', 'Postcode', 'SchoolWebsite', 'TelephoneNum',
    'HeadTitle (name)', 'HeadFirstName', 'HeadLastName', 'HeadPreferredJobTitle',
    'BSOInspectorateName (name)', 'InspectorateReport', 'DateOfLastInspectionVisit',
    'NextInspectionVisit', 'TeenMoth (name)', 'TeenMothPlaces', 'CCF (name)', 'SENPRU (name)',
    'EBD (name)', 'PlacesPRU', 'FTProv (name)', 'EdByOther (name)', 'Section41Approved (name)',
    'SEN1 (name)', 'SEN2 (name)', 'SEN3 (name)', 'SEN4 (name)', 'SEN5 (name)', 'SEN6 (name)',
    'SEN7 (name)', 'SEN8 (name)', 'SEN9 (name)', 'SEN10 (name)', 'SEN11 (name)', 'SEN12 (name)',
    'SEN13 (name)', 'TypeOfResourcedProvision (name)', 'ResourcedProvisionOnRoll',
    'ResourcedProvisionCapacity', 'SenUnitOnRoll', 'SenUnitCapacity', 'GOR (code)', 'GOR (name)',
    'DistrictAdministrative (code)', 'DistrictAdministrative (name)',
    'AdministrativeWard (code)', 'AdministrativeWard (name)', 'ParliamentaryConstituency (code)',
    'ParliamentaryConstituency (name)', 'UrbanRural (code)', 'UrbanRural (name)',
    'GSSLACode (name)', 'Easting', 'Northing', 'MSOA (name)', 'LSOA (name)',
    'InspectorateName (name)', 'SENStat', 'SENNoStat', 'BoardingEstablishment (name)',
    'PropsName', 'PreviousLA (code)', 'PreviousLA (name)', 'PreviousEstablishmentNumber',
    'OfstedRating (name)', 'RSCRegion (name)', 'Country (name)', 'UPRN', 'SiteName',
    'QABName (code)', 'QABName (name)', 'EstablishmentAccredited (code)',
    'EstablishmentAccredited (name)', 'QABReport', 'CHNumber', 'MSOA (code)', 'LSOA (code)',
    'FSM', 'AccreditationExpiryDate',
)  # fmt: skip

PHASES = {
    0: "Not applicable",
    1: "Nursery",
    2: "Primary",
    3: "Middle deemed primary",
    4: "Secondary",
    5: "Middle deemed secondary",
    6: "16 plus",
    7: "All-through",
}
STATUSES = {1: "Open", 2: "Closed", 3: "Open, but proposed to close", 4: "Proposed to open"}
AGES = {0: (2, 19), 1: (2, 5), 2: (3, 11), 3: (8, 12), 4: (11, 18), 5: (9, 13), 6: (16, 19),
        7: (4, 18)}  # fmt: skip
PUPILS = {0: (40, 250), 1: (40, 150), 2: (90, 630), 3: (200, 500), 4: (600, 1800),
          5: (300, 700), 6: (400, 2500), 7: (900, 2000)}  # fmt: skip

# (type code, type name, group code, group name)
MAINTAINED = ("4", "Local authority maintained schools")
COMMUNITY = ("1", "Community school", *MAINTAINED)
VOLUNTARY_AIDED = ("2", "Voluntary aided school", *MAINTAINED)
VOLUNTARY_CONTROLLED = ("3", "Voluntary controlled school", *MAINTAINED)
FOUNDATION = ("5", "Foundation school", *MAINTAINED)
SPECIAL = ("7", "Community special school", "5", "Special schools")
INDEPENDENT = ("11", "Other independent school", "3", "Independent schools")
NURSERY = ("15", "Local authority nursery school", *MAINTAINED)
FURTHER_EDUCATION = ("18", "Further education", "1", "Colleges")
SPONSOR_LED = ("28", "Academy sponsor led", "10", "Academies")
CONVERTER = ("34", "Academy converter", "10", "Academies")
FREE_SCHOOL = ("35", "Free schools", "11", "Free Schools")
WELSH = ("30", "Welsh establishment", "6", "Welsh schools")

STREETS = ("Church Road", "School Lane", "Station Road", "Park Avenue", "Mill Lane",
           "High Street", "Oak Road", "Manor Way", "Green Lane", "Victoria Road")  # fmt: skip

# A town for authorities named after a county or a district rather than a town.
TOWNS = {
    "Bath and North East Somerset": "Bath", "Blackburn with Darwen": "Blackburn",
    "Bournemouth, Christchurch and Poole": "Bournemouth", "Bracknell Forest": "Bracknell",
    "Brighton and Hove": "Brighton", "Buckinghamshire": "Aylesbury", "Calderdale": "Halifax",
    "Cambridgeshire": "Ely", "Central Bedfordshire": "Dunstable", "Cheshire East": "Crewe",
    "Cheshire West and Chester": "Chester", "Cornwall": "Truro", "County Durham": "Durham",
    "Cumberland": "Carlisle", "Derbyshire": "Chesterfield", "Devon": "Exeter",
    "Dorset": "Dorchester", "East Riding of Yorkshire": "Beverley", "East Sussex": "Lewes",
    "Essex": "Chelmsford", "Gloucestershire": "Gloucester", "Halton": "Widnes",
    "Hampshire": "Winchester", "Herefordshire, County of": "Hereford", "Hertfordshire": "Stevenage",
    "Isle of Wight": "Newport", "Isles of Scilly": "St Mary's", "Kent": "Maidstone",
    "Kirklees": "Huddersfield", "Knowsley": "Huyton", "Lancashire": "Preston",
    "Leicestershire": "Loughborough", "Lincolnshire": "Lincoln", "Medway": "Chatham",
    "Norfolk": "Norwich", "North East Lincolnshire": "Grimsby", "North Lincolnshire": "Scunthorpe",
    "North Northamptonshire": "Kettering", "North Somerset": "Weston-super-Mare",
    "North Tyneside": "North Shields", "North Yorkshire": "Harrogate", "Northumberland": "Morpeth",
    "Nottinghamshire": "Mansfield", "Oxfordshire": "Oxford", "Redcar and Cleveland": "Redcar",
    "Rutland": "Oakham", "Sandwell": "West Bromwich", "Sefton": "Bootle",
    "Shropshire": "Shrewsbury", "Somerset": "Taunton", "South Gloucestershire": "Yate",
    "St. Helens": "St Helens", "South Tyneside": "South Shields",
    "Staffordshire": "Stafford", "Suffolk": "Ipswich", "Surrey": "Guildford",
    "Tameside": "Ashton-under-Lyne", "Telford and Wrekin": "Telford", "Thurrock": "Grays",
    "Torbay": "Torquay", "Trafford": "Sale", "Warwickshire": "Warwick",
    "West Berkshire": "Newbury", "West Northamptonshire": "Northampton",
    "West Sussex": "Chichester", "Westmorland and Furness": "Kendal",
    "Windsor and Maidenhead": "Maidenhead", "Wirral": "Birkenhead", "Worcestershire": "Worcester",
}  # fmt: skip

WELSH_AUTHORITIES = {"660": "Isle of Anglesey", "661": "Gwynedd", "664": "Flintshire",
                     "670": "Swansea", "672": "Bridgend", "676": "Caerphilly", "680": "Newport",
                     "681": "Cardiff"}  # fmt: skip
WELSH_PLACES = ("Bryn Teg", "Cwm Glas", "Pen y Bryn", "Glan Morfa", "Llwyn Onn", "Maes y Coed",
                "Tan y Castell", "Bro Dewi")  # fmt: skip

# Places in lead schools' recorded names that are not an authority's name or town.
LEAD_PLACE_AUTHORITY = {"Preston": "888", "Oadby": "855", "Burgess Hill": "938",
                        "Lancaster": "888", "Kesgrave": "935", "Marylebone": "213"}  # fmt: skip
SIXTEEN_PLUS_LEADS = {"Cardinal Newman College", "Truro and Penwith College"}

# Names that show the importer decodes Windows-1252 (0x92 is the curly apostrophe).
NON_ASCII_SCHOOLS = (
    ("330", "St Th\u00e9r\u00e8se\u2019s Catholic Primary School", 2),
    ("380", "Bront\u00eb Fields Primary School", 2),
)


def _csv(name: str) -> list[dict]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_authorities() -> list[dict]:
    """The 153 English authorities with their region's GIAS letter and name."""
    regions = {row["code"]: row for row in _csv("regions.csv")}
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "gss_code": row["gss_code"],
            "gor_code": regions[row["region_code"]]["gias_gor_code"],
            "gor_name": regions[row["region_code"]]["name"],
        }
        for row in _csv("local_authorities.csv")
    ]


def _date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _postcode(rng: random.Random, gor_code: str) -> str:
    area = rng.choice(POSTCODE_AREAS[gor_code])
    inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    return f"{area}{rng.randint(1, 20)} {inward}"


def _town(authority: dict) -> str:
    if authority["gor_code"] == "H":
        return "London"
    return TOWNS.get(authority["name"], authority["name"].split(",")[0])


def _school_type(rng: random.Random, phase: int, name: str) -> tuple[str, str, str, str]:
    if phase == 0:
        return SPECIAL if "Special" in name else INDEPENDENT
    if phase == 1:
        return NURSERY
    if phase == 6:
        return FURTHER_EDUCATION
    if "Academy" in name:
        return rng.choice((CONVERTER, SPONSOR_LED))
    if "CE " in name or "Catholic" in name:
        return rng.choice((VOLUNTARY_AIDED, VOLUNTARY_CONTROLLED, CONVERTER))
    return rng.choices(
        (COMMUNITY, FOUNDATION, CONVERTER, SPONSOR_LED, FREE_SCHOOL), weights=(4, 1, 4, 2, 1)
    )[0]


def _name(rng: random.Random, phase: int) -> str:
    place = rng.choice(PLACES)
    if phase == 2:
        kind = rng.choice(PRIMARY_KINDS)
        if kind.startswith(("CE", "Catholic")):
            place = rng.choice(SAINTS)
        return f"{place} {kind}"
    suffixes = {
        0: ("Special School", "Preparatory School", "House School"),
        1: ("Nursery School",),
        3: ("Middle School",),
        4: SECONDARY_KINDS,
        5: ("Middle School",),
        6: ("Sixth Form College", "College"),
        7: ("All-Through School", "Academy"),
    }
    return f"{place} {rng.choice(suffixes[phase])}"


def school_row(
    rng: random.Random,
    *,
    urn: int,
    authority: dict,
    phase: int,
    status: int = 1,
    name: str | None = None,
    invent_figures: bool = True,
) -> dict[str, str]:
    """One row in the GIAS format. Columns the portal does not read are mostly blank."""
    name = name or _name(rng, phase)
    type_code, type_name, group_code, group_name = _school_type(rng, phase, name)
    low, high = AGES[phase]
    row = {
        "URN": str(urn),
        "LA (code)": authority["code"],
        "LA (name)": authority["name"],
        "EstablishmentNumber": str(rng.randint(1000, 7999)),
        "EstablishmentName": name,
        "TypeOfEstablishment (code)": type_code,
        "TypeOfEstablishment (name)": type_name,
        "EstablishmentTypeGroup (code)": group_code,
        "EstablishmentTypeGroup (name)": group_name,
        "EstablishmentStatus (code)": str(status),
        "EstablishmentStatus (name)": STATUSES[status],
        "PhaseOfEducation (code)": str(phase),
        "PhaseOfEducation (name)": PHASES[phase],
        "StatutoryLowAge": str(low),
        "StatutoryHighAge": str(high),
        "Gender (code)": "3",
        "Gender (name)": "Mixed",
        "LastChangedDate": _date(date(2023, 9, 1) + timedelta(days=rng.randint(0, 150))),
        "Street": rng.choice(STREETS),
        "Town": _town(authority),
        "GOR (code)": authority["gor_code"],
        "GOR (name)": authority["gor_name"],
        "GSSLACode (name)": authority.get("gss_code", ""),
        "Country (name)": authority.get("country", "England"),
    }
    if type_name.startswith(("Academy", "Free")) or status == 4:
        opened = date(2011, 9, 1) + timedelta(days=rng.randint(0, 12 * 365))
        if status == 4:
            opened = date(2025, 9, 1)
        row["OpenDate"] = _date(opened)
    if status == 2:
        row["CloseDate"] = _date(date(2016 + rng.randint(0, 7), 8, 31))
    if invent_figures:
        row["Postcode"] = _postcode(rng, authority["gor_code"])
        if status in (1, 3):
            row["CensusDate"] = "18-01-2024"
            row["NumberOfPupils"] = str(rng.randint(*PUPILS[phase]))
            draw = rng.random()
            if draw < 0.04:
                row["PercentageFSM"] = ""
            elif draw < 0.07:
                row["PercentageFSM"] = "SUPP"
            else:
                row["PercentageFSM"] = f"{rng.uniform(2, 48):.1f}"
    return row


def _lead_school_rows(rng: random.Random, authorities: dict[str, dict], urns: Iterator[int]):
    for hub in _csv("hubs.csv"):
        if not hub["lead_schools"]:
            continue
        codes = hub["la_codes"].split()
        for recorded in hub["lead_schools"].split("; "):
            # "Carmel College, Darlington" is stored as "Carmel College" in
            # Darlington; otherwise a place in the name picks the authority.
            name, _, town = recorded.partition(", ")
            code = codes[0]
            for candidate in codes:
                if _town(authorities[candidate]) in (town or name):
                    code = candidate
            for place, candidate in LEAD_PLACE_AUTHORITY.items():
                if place in recorded and candidate in codes:
                    code = candidate
            if name in SIXTEEN_PLUS_LEADS:
                phase = 6
            elif "Primary School" in name:
                phase = 2
            else:
                phase = 4
            row = school_row(
                rng,
                urn=next(urns),
                authority=authorities[code],
                phase=phase,
                name=name,
                invent_figures=False,
            )
            # Only the name and the hub's area come from hubs.csv: leave the
            # type and address blank rather than guess them for a real school.
            for column in ("TypeOfEstablishment (code)", "TypeOfEstablishment (name)",
                           "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)",
                           "OpenDate", "Street"):  # fmt: skip
                row[column] = ""
            row["Town"] = town
            yield row


def _urns(rng: random.Random, start: int) -> Iterator[int]:
    urn = start
    while True:
        urn += rng.randint(1, 7)
        yield urn


def sample_rows(rng: random.Random, per_authority: int = 6) -> Iterator[dict[str, str]]:
    authorities = load_authorities()
    by_code = {authority["code"]: authority for authority in authorities}
    urns = _urns(rng, 900000)
    for code, name, phase in NON_ASCII_SCHOOLS:
        yield school_row(rng, urn=next(urns), authority=by_code[code], phase=phase, name=name)
    for authority in authorities:
        for slot in range(per_authority):
            phase = (2, 2, 2, 4)[slot] if slot < 4 else rng.choice((0, 1, 2, 3, 4, 5, 6, 7))
            status = rng.choices((1, 2, 3, 4), weights=(86, 8, 3, 3))[0]
            yield school_row(rng, urn=next(urns), authority=authority, phase=phase, status=status)
    yield from _lead_school_rows(rng, by_code, urns)
    # Out of scope for the portal: Welsh authorities and a pseudo-authority.
    for (code, la_name), place in zip(WELSH_AUTHORITIES.items(), WELSH_PLACES, strict=True):
        phase = rng.choice((2, 4))
        kind = "Ysgol Gynradd" if phase == 2 else "Ysgol Uwchradd"
        wales = {"code": code, "name": la_name, "gor_code": "W", "gor_name": "Wales (pseudo)",
                 "country": "Wales"}  # fmt: skip
        row = school_row(rng, urn=next(urns), authority=wales, phase=phase, name=f"{kind} {place}")
        row.update(zip(("TypeOfEstablishment (code)", "TypeOfEstablishment (name)",
                        "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)"),
                       WELSH, strict=True))  # fmt: skip
        yield row
    overseas = {"code": "702", "name": "Service Children's Education", "gor_code": "Z",
                "gor_name": "Not Applicable", "country": "Not applicable"}  # fmt: skip
    yield school_row(rng, urn=next(urns), authority=overseas, phase=2,
                     name="Kingfisher Service Primary School")  # fmt: skip


def write_gias_csv(path: Path, rows) -> int:
    """Write rows as GIAS does: Windows-1252, CRLF line ends, the full header."""
    count = 0
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, restval="", lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "fixtures" / "gias_sample.csv")
    args = parser.parse_args()
    count = write_gias_csv(args.out, sample_rows(random.Random(SEED)))
    print(f"Wrote {count} rows to {args.out}")


if __name__ == "__main__":
    main()
