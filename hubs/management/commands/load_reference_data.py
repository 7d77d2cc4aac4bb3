"""Load the regions, local authorities and hubs shipped in fixtures/reference/."""

import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DataError, IntegrityError, transaction

from hubs.models import Hub, LocalAuthority, Partnership, RecordStatus, Region, TeachingPhase
from hubs.signals import reference_data_loaded
from hubs_portal.lib.forms import CONTROL_CHARACTERS

REFERENCE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"

# hubs.csv says "unknown" where nothing was found; the portal shows that as
# "not yet confirmed".
STATUS_FROM_CSV = {
    "confirmed": RecordStatus.CONFIRMED,
    "historical": RecordStatus.HISTORICAL,
    "unconfirmed": RecordStatus.UNCONFIRMED,
    "unknown": RecordStatus.UNCONFIRMED,
}


class _Row:
    """One line of a reference file; a missing column or value is a CommandError naming it."""

    def __init__(self, name: str, line: int, values: dict):
        self.name, self.line, self.values = name, line, values

    def error(self, problem: str) -> CommandError:
        return CommandError(f"{self.name}, line {self.line}: {problem}. Nothing was changed.")

    def __getitem__(self, column: str) -> str:
        if column not in self.values:
            raise self.error(f"there is no {column} column")
        value = self.values[column]
        if value is None:
            raise self.error(f"the line has no value for {column} (a missing comma?)")
        if CONTROL_CHARACTERS.search(value):
            raise self.error(f"{column} contains an invisible control character")
        return value

    def choice(self, column: str, choices: dict):
        value = self[column]
        if value not in choices:
            known = ", ".join(sorted(choices))
            raise self.error(f"{column} {value!r} is not one of {known}")
        return choices[value]


def _rows(name: str):
    path = REFERENCE_DIR / name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for values in reader:
                yield _Row(name, reader.line_num, values)
    except FileNotFoundError:
        raise CommandError(f"{path} is missing: the reference data ships with the code.") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"{path} cannot be read: {error}. Nothing was changed.") from None


class Command(BaseCommand):
    help = (
        "Load the nine regions, 153 local authorities and 40 Maths Hubs, and ensure the "
        "national projects exist (through hubs.signals.reference_data_loaded). Records that "
        "already exist are left as they are, so corrections made by staff survive; "
        "--update overwrites them from the files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite existing regions, authorities and hubs with the shipped values.",
        )

    @transaction.atomic
    def handle(self, *args, update: bool = False, **options):
        regions = {}
        for row in _rows("regions.csv"):
            values = {"name": row["name"], "gias_gor_code": row["gias_gor_code"]}
            regions[row["code"]] = self._upsert(row, Region, {"code": row["code"]}, values, update)

        authorities = {}
        for row in _rows("local_authorities.csv"):
            values = {
                "name": row["name"],
                "region": self._region(regions, row),
                "gss_code": row["gss_code"],
            }
            authorities[row["code"]] = self._upsert(
                row, LocalAuthority, {"code": row["code"]}, values, update
            )

        for order, (code, name) in enumerate(TeachingPhase.DEFAULTS):
            TeachingPhase.objects.get_or_create(
                code=code, defaults={"name": name, "display_order": order}
            )

        created_hubs = 0
        for row in _rows("hubs.csv"):
            created_hubs += self._load_hub(row, regions, authorities, update)

        # Other apps' reference data (the national projects) needs the phases
        # and hubs above; they load it from their receivers (hubs/signals.py).
        loaded = reference_data_loaded.send(sender=self.__class__, update=update)
        summary = [
            f"{len(regions)} regions",
            f"{len(authorities)} local authorities",
            f"{Hub.objects.count()} hubs ({created_hubs} new)",
            *(phrase for _receiver, phrase in loaded if phrase),
        ]
        self.stdout.write(f"Reference data: {', '.join(summary)}.")

    def _upsert(self, row, model, keys, values, update):
        try:
            obj, created = model.objects.get_or_create(**keys, defaults=values)
            if not created and update:
                for field, value in values.items():
                    setattr(obj, field, value)
                obj.save(update_fields=list(values))
        except (IntegrityError, DataError) as error:
            # A value too long for its column, or one another row already has.
            raise row.error(f"cannot be stored ({str(error).splitlines()[0]})") from None
        return obj

    def _region(self, regions, row):
        return row.choice("region_code", regions)

    def _load_hub(self, row, regions, authorities, update) -> bool:
        website = row["website"].strip()
        values = {
            "name": row["name"],
            "region": self._region(regions, row),
            "area_status": row.choice("area_status", STATUS_FROM_CSV),
            "website": f"https://{website}/" if website else "",
        }
        status = row.choice("lead_schools_status", STATUS_FROM_CSV)
        unknown = [code for code in row["la_codes"].split() if code not in authorities]
        if unknown:
            raise row.error(f"unknown local authority {', '.join(unknown)}")
        existing = Hub.objects.filter(slug=row["slug"]).first()
        if existing and not update:
            return False
        hub = self._upsert(row, Hub, {"slug": row["slug"]}, values, update)
        hub.local_authorities.set([authorities[code] for code in row["la_codes"].split()])
        if existing is None:
            for name in filter(None, (n.strip() for n in row["lead_schools"].split(";"))):
                Partnership.objects.create(
                    hub=hub, role=Partnership.Role.LEAD_SCHOOL, recorded_name=name, status=status
                )
        return existing is None
