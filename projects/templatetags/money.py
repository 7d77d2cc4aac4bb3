"""Pounds and pence for the funding pages, formatted from the Decimal exactly."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pounds(value) -> str:
    """Decimal("1250.5") -> "£1,250.50"; a negative amount gets a minus sign before the £."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    text = f"£{abs(amount):,.2f}"
    return f"\N{MINUS SIGN}{text}" if amount < 0 else text


@register.filter
def percent(value) -> str:
    """Decimal("62.5") -> "62.5%"; None (nothing to divide by) -> "no spending yet"."""
    if value is None:
        return "no spending yet"
    return f"{value}%"
