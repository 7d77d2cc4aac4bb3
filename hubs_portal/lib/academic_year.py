"""School years run from September to August and are written "2026-27"."""

from datetime import date

from django.utils import timezone

FIRST_MONTH = 9


def academic_year_of(day: date) -> int:
    """The year in which the academic year containing ``day`` began."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def current_academic_year() -> int:
    return academic_year_of(timezone.localdate())


def academic_year_label(start_year: int) -> str:
    """2026 -> "2026-27"."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def academic_year_choices(years, *, latest_first: bool = True) -> list[tuple[int, str]]:
    """A chooser's choices: each year once, as (2026, "2026-27"), latest first unless told."""
    return [(year, academic_year_label(year)) for year in sorted(set(years), reverse=latest_first)]


def parse_academic_year(text: str) -> int | None:
    """Accept "2026-27", "2026/27" or "2026"; None for anything else."""
    head, _, tail = text.strip().replace("/", "-").partition("-")
    if not head.isdigit() or len(head) != 4:
        return None
    start = int(head)
    if tail and tail not in {f"{(start + 1) % 100:02d}", str(start + 1)}:
        return None
    return start


class Term:
    """The three school terms, by the month a Work Group's first session falls in."""

    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"
    CHOICES = [(AUTUMN, "Autumn term"), (SPRING, "Spring term"), (SUMMER, "Summer term")]

    @classmethod
    def of(cls, day: date) -> str:
        if day.month >= FIRST_MONTH:
            return cls.AUTUMN
        if day.month <= 3:
            return cls.SPRING
        return cls.SUMMER
