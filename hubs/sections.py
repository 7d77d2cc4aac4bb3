"""Sections other apps add to a hub's pages, so that `hubs` imports none of them.

`hubs` is the base layer: the public hub page and the workspace dashboard show
Work Groups, projects and more, but the code that finds those lives in the app
that owns them. Each app registers its sections from its ``AppConfig.ready()``:

    from hubs import sections

    @sections.register(sections.HUB_PAGE, template="workgroups/_hub_section.html", order=10)
    def upcoming_workgroups(hub, request):
        return {"workgroups": ...}

and the page renders ``sections.build(sections.HUB_PAGE, hub, request)`` in
order, each section's template given its own context as ``section``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

HUB_PAGE = "hub-page"
DASHBOARD = "dashboard"
PAGES = (HUB_PAGE, DASHBOARD)


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    order: int
    context: Callable


@dataclass(frozen=True)
class Built:
    """One section ready to render: its template and what the template shows."""

    name: str
    template: str
    data: dict = field(default_factory=dict)


_registry: dict[str, dict[str, Section]] = {page: {} for page in PAGES}


def register(page: str, *, template: str, order: int = 100):
    """Add the decorated ``func(hub, request) -> dict`` to ``page``.

    Registering the same function again (a second ``ready()`` in tests)
    replaces it rather than showing it twice.
    """
    if page not in _registry:
        raise ValueError(f"Unknown hub page {page!r}: choose one of {', '.join(PAGES)}.")

    def decorator(func: Callable) -> Callable:
        name = f"{func.__module__}.{func.__qualname__}"
        _registry[page][name] = Section(name, template, order, func)
        return func

    return decorator


def registered(page: str) -> list[Section]:
    return sorted(_registry[page].values(), key=lambda s: (s.order, s.name))


def build(page: str, hub, request) -> list[Built]:
    """Each registered section of ``page`` for ``hub``, in order."""
    return [Built(s.name, s.template, s.context(hub, request)) for s in registered(page)]
