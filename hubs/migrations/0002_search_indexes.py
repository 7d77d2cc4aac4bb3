"""Indexes for the finder's searches on PostgreSQL.

The finder matches school names with icontains (UPPER(name::text) LIKE
UPPER('%...%')) and postcodes by prefix (LIKE 'X%'). A trigram GIN index on
the same expression serves the first; a text_pattern_ops index the second,
whatever the database's collation.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("hubs", "0001_initial")]

    operations = [
        # Skipped by Django itself on databases other than PostgreSQL.
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX school_name_trgm_idx ON hubs_school "
            "USING gin ((UPPER(name::text)) gin_trgm_ops)",
            "DROP INDEX school_name_trgm_idx",
        ),
        migrations.RunSQL(
            "CREATE INDEX school_postcode_prefix_idx ON hubs_school "
            "(postcode_normalised text_pattern_ops)",
            "DROP INDEX school_postcode_prefix_idx",
        ),
    ]
