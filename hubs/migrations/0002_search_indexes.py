"""Indexes for the finder's searches on PostgreSQL.

The finder matches school names with icontains (UPPER(name::text) LIKE
UPPER('%...%')) and postcodes by prefix (LIKE 'X%'). A trigram GIN index on
the same expression serves the first; a text_pattern_ops index the second,
whatever the database's collation. SQLite (the laptop default) has neither
and does not need them at its size, so these run on PostgreSQL only.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    (
        "CREATE INDEX IF NOT EXISTS school_name_trgm_idx ON hubs_school "
        "USING gin ((UPPER(name::text)) gin_trgm_ops)",
        "DROP INDEX IF EXISTS school_name_trgm_idx",
    ),
    (
        "CREATE INDEX IF NOT EXISTS school_postcode_prefix_idx ON hubs_school "
        "(postcode_normalised text_pattern_ops)",
        "DROP INDEX IF EXISTS school_postcode_prefix_idx",
    ),
]


def _run(apps, schema_editor, which):
    if schema_editor.connection.vendor != "postgresql":
        return
    for pair in INDEXES:
        schema_editor.execute(pair[which])


def create(apps, schema_editor):
    _run(apps, schema_editor, 0)


def drop(apps, schema_editor):
    _run(apps, schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("hubs", "0001_initial")]

    operations = [
        # Skipped by Django itself on databases other than PostgreSQL.
        TrigramExtension(),
        migrations.RunPython(create, drop),
    ]
