"""The catalogue's free-text search ignores accents and punctuation (PostgreSQL
only): its two trigram indexes move from UPPER(title), UPPER(description) to
portal_fold(title), portal_fold(description), the expressions
``workgroups.filters`` now filters on (the function is created by
hubs/migrations/0005_folded_search.py). They still combine as a BitmapOr.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workgroups", "0005_catalogue_indexes"), ("hubs", "0005_folded_search")]

    operations = [
        migrations.RunSQL(
            "DROP INDEX workgroup_title_trgm_idx",
            "CREATE INDEX workgroup_title_trgm_idx ON workgroups_workgroup "
            "USING gin ((UPPER(title::text)) gin_trgm_ops)",
        ),
        migrations.RunSQL(
            "DROP INDEX workgroup_description_trgm_idx",
            "CREATE INDEX workgroup_description_trgm_idx ON workgroups_workgroup "
            "USING gin ((UPPER(description::text)) gin_trgm_ops)",
        ),
        migrations.RunSQL(
            "CREATE INDEX workgroup_title_fold_trgm_idx ON workgroups_workgroup "
            "USING gin (portal_fold(title) gin_trgm_ops)",
            "DROP INDEX workgroup_title_fold_trgm_idx",
        ),
        migrations.RunSQL(
            "CREATE INDEX workgroup_description_fold_trgm_idx ON workgroups_workgroup "
            "USING gin (portal_fold(description) gin_trgm_ops)",
            "DROP INDEX workgroup_description_fold_trgm_idx",
        ),
    ]
