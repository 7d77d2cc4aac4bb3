"""School names found whatever their accents and punctuation (PostgreSQL only).

``portal_fold(text)`` lower-cases, strips accents and ligatures with the
``unaccent`` extension (which also turns typographic quotes and dashes into
ASCII ones), then drops every punctuation mark and space: "St Thérèse’s"
and "St Therese's" both become "stthereses", in which "St Theres" (folded,
"sttheres") is found.
``hubs_portal.lib.search`` filters on ``portal_fold(name)``, so the trigram
index moves from ``UPPER(name)`` to that expression.

An expression index needs an IMMUTABLE function; ``unaccent()`` is only
STABLE because it looks its dictionary up by name. The body here is
SQL-standard (``RETURN ...``, PostgreSQL 14 or later): the dictionary and
functions are bound when the function is created, not through the
search_path of whoever queries or restores a dump later. The workgroups app
moves its catalogue indexes to the same function in its own 0006.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

FOLD_FUNCTION = """
CREATE FUNCTION portal_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(
    regexp_replace(unaccent('unaccent'::regdictionary, value), '[[:punct:][:space:]]+', '', 'g')
)
"""


class Migration(migrations.Migration):
    dependencies = [("hubs", "0004_team_and_audit")]

    operations = [
        # Skipped by Django itself on databases other than PostgreSQL.
        UnaccentExtension(),
        migrations.RunSQL(FOLD_FUNCTION, "DROP FUNCTION portal_fold(text)"),
        migrations.RunSQL(
            "DROP INDEX school_name_trgm_idx",
            "CREATE INDEX school_name_trgm_idx ON hubs_school "
            "USING gin ((UPPER(name::text)) gin_trgm_ops)",
        ),
        migrations.RunSQL(
            "CREATE INDEX school_name_fold_trgm_idx ON hubs_school "
            "USING gin (portal_fold(name) gin_trgm_ops)",
            "DROP INDEX school_name_fold_trgm_idx",
        ),
    ]
