"""Import the DfE's register of schools: `manage.py import_schools edubasealldata.csv`."""

from django.core.management.base import BaseCommand, CommandError

from hubs.importers import SchoolsImportError, plural, schools_import


class Command(BaseCommand):
    help = (
        "Import or update schools from the GIAS establishments file (edubasealldata*.csv, "
        "Windows-1252), matched by URN. Rows outside England's local authorities are "
        "skipped; bad rows are listed with their line number and the rest are imported. "
        "Lead schools recorded by name are then linked to the register."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The GIAS CSV file, e.g. edubasealldata20240101.csv.")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show a progress bar."
        )

    def handle(self, *args, file: str, no_progress: bool = False, **options):
        try:
            result = schools_import(path=file, progress=not no_progress)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        except SchoolsImportError as error:
            raise CommandError(f"{file} was not imported, nothing was changed. {error}") from None

        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        if result.bad_row_count:
            were = "was" if result.bad_row_count == 1 else "were"
            self.stdout.write(
                self.style.WARNING(
                    f"{plural(result.bad_row_count, 'bad row')} {were} not imported:"
                )
            )
            for bad_row in result.bad_rows:
                self.stdout.write(f"  {bad_row}")
            if result.bad_row_count > len(result.bad_rows):
                self.stdout.write(f"  ... and {result.bad_row_count - len(result.bad_rows):,} more")
        if result.skipped:
            counts = ", ".join(
                f"{code} ({count:,})" for code, count in sorted(result.skipped_by_la.items())
            )
            self.stdout.write(f"Skipped by LA code (rows): {counts}")

        self.stdout.write(f"Lead schools linked to the register: {result.lead_schools_linked}")
        if result.lead_schools_unlinked:
            self.stdout.write(
                f"Lead schools still to link by hand in the admin "
                f"({len(result.lead_schools_unlinked)}):"
            )
            for partnership in result.lead_schools_unlinked:
                self.stdout.write(f"  {partnership.hub.name}: {partnership.recorded_name}")
        self.stdout.write(self.style.SUCCESS(result.summary()))
