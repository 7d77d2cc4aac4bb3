"""Trigram indexes for the catalogue's free-text search (title or description
icontains) on PostgreSQL; the two combine as a BitmapOr."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workgroups", "0001_initial"), ("hubs", "0002_search_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX workgroup_title_trgm_idx ON workgroups_workgroup "
            "USING gin ((UPPER(title::text)) gin_trgm_ops)",
            "DROP INDEX workgroup_title_trgm_idx",
        ),
        migrations.RunSQL(
            "CREATE INDEX workgroup_description_trgm_idx ON workgroups_workgroup "
            "USING gin ((UPPER(description::text)) gin_trgm_ops)",
            "DROP INDEX workgroup_description_trgm_idx",
        ),
    ]
