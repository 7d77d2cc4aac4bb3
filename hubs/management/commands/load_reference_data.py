"""Load the regions, local authorities and hubs shipped in fixtures/reference/."""

import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hubs.models import Hub, LocalAuthority, Partnership, RecordStatus, Region, TeachingPhase

REFERENCE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"

# hubs.csv says "unknown" where nothing was found; the portal shows that as
# "not yet confirmed".
STATUS_FROM_CSV = {
    "confirmed": RecordStatus.CONFIRMED,
    "historical": RecordStatus.HISTORICAL,
    "unconfirmed": RecordStatus.UNCONFIRMED,
    "unknown": RecordStatus.UNCONFIRMED,
}


def _rows(name: str):
    path = REFERENCE_DIR / name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
    except FileNotFoundError:
        raise CommandError(f"{path} is missing: the reference data ships with the code.") from None


class Command(BaseCommand):
    help = (
        "Load the nine regions, 153 local authorities and 40 Maths Hubs, and ensure the "
        "national projects exist (projects/seed.py). Records that "
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
            regions[row["code"]] = self._upsert(Region, {"code": row["code"]}, values, update)

        authorities = {}
        for row in _rows("local_authorities.csv"):
            values = {
                "name": row["name"],
                "region": self._region(regions, row["region_code"], row["code"]),
                "gss_code": row["gss_code"],
            }
            authorities[row["code"]] = self._upsert(
                LocalAuthority, {"code": row["code"]}, values, update
            )

        for order, (code, name) in enumerate(TeachingPhase.DEFAULTS):
            TeachingPhase.objects.get_or_create(
                code=code, defaults={"name": name, "display_order": order}
            )

        created_hubs = 0
        for row in _rows("hubs.csv"):
            created_hubs += self._load_hub(row, regions, authorities, update)

        # The national projects need the phases above. Imported here: hubs
        # depends on no other app at import time.
        from projects.seed import ensure_national_projects

        created_projects = ensure_national_projects()

        self.stdout.write(
            f"Reference data: {len(regions)} regions, {len(authorities)} local authorities, "
            f"{Hub.objects.count()} hubs ({created_hubs} new), "
            f"{created_projects} new national projects."
        )

    def _upsert(self, model, keys, values, update):
        obj, created = model.objects.get_or_create(**keys, defaults=values)
        if not created and update:
            for field, value in values.items():
                setattr(obj, field, value)
            obj.save(update_fields=list(values))
        return obj

    def _region(self, regions, code, context):
        try:
            return regions[code]
        except KeyError:
            raise CommandError(f"{context}: unknown region code {code!r}.") from None

    def _load_hub(self, row, regions, authorities, update) -> bool:
        website = row["website"].strip()
        values = {
            "name": row["name"],
            "region": self._region(regions, row["region_code"], row["slug"]),
            "area_status": STATUS_FROM_CSV[row["area_status"]],
            "website": f"https://{website}/" if website else "",
        }
        existing = Hub.objects.filter(slug=row["slug"]).first()
        if existing and not update:
            return False
        hub = self._upsert(Hub, {"slug": row["slug"]}, values, update)
        try:
            hub.local_authorities.set([authorities[code] for code in row["la_codes"].split()])
        except KeyError as error:
            raise CommandError(f"{row['slug']}: unknown local authority {error}.") from None
        if existing is None:
            status = STATUS_FROM_CSV[row["lead_schools_status"]]
            for name in filter(None, (n.strip() for n in row["lead_schools"].split(";"))):
                Partnership.objects.create(
                    hub=hub, role=Partnership.Role.LEAD_SCHOOL, recorded_name=name, status=status
                )
        return existing is None
