"""Figures shown to people: a part as a percentage of a whole."""

from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")


def percentage(part, whole) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal place (half up); None if no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
