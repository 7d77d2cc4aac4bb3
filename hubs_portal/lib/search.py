"""Matching what people type against names, whatever the accents and punctuation.

"Bronte" finds "Brontë Fields", "St Theres" finds "St Thérèse's" (written
with a typographic apostrophe or a plain one) and "St. Mary's" finds "St
Marys": both sides are folded by ``portal_fold(text)``, a PostgreSQL
function created by ``hubs/migrations/0005_folded_search.py`` (lower case,
accents and ligatures removed by the ``unaccent`` extension, then every
punctuation mark and space dropped). The searched columns have GIN trigram
indexes on ``portal_fold(column)``; a filter only uses one when it is written
on that same expression, which is why every search goes through
``folded_contains`` rather than spelling the SQL out.
"""

from django.db.models import Func, TextField, Value
from django.db.models.lookups import Contains


class Fold(Func):
    """``portal_fold(expression)``: the form both the index and the search compare."""

    function = "portal_fold"
    arity = 1
    output_field = TextField()


def searchable(text: str) -> bool:
    """Whether folded text keeps anything to look for.

    Punctuation and spaces fold away: a search for "-" or "'" would become
    "contains the empty string" and match every row, so callers match nothing.
    """
    return any(character.isalnum() for character in text)


def folded_contains(field: str, text: str) -> Contains:
    """The condition "``field`` contains ``text``", both folded.

    It reads ``portal_fold(field) LIKE '%' || portal_fold('text')
    || '%'``; the planner works out the right-hand side once, while planning,
    so a trigram index on ``portal_fold(field)`` serves it.
    """
    return Contains(Fold(field), Fold(Value(text)))
