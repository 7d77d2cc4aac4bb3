"""The URL configuration, discovered: every pattern, and the hub records its ids can name.

Shared by the walks that must cover every URL without anyone listing them:
tests/test_workspace_access.py (outsiders are refused) and
tests/test_every_page.py (no page answers 5xx, for anyone).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldError
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from tests import workspace_worlds

WORKSPACE_PREFIX = "manage/<slug:hub_slug>/"
# How a record of any of our models leads back to its hub.
HUB_PATHS = [
    "hub",
    "workgroup__hub",
    "session__workgroup__hub",
    "enrolment__workgroup__hub",
    *(path for world in workspace_worlds.modules() for path in world.HUB_PATHS),
]
OUR_APPS = {
    "accounts",
    "hubs",
    "workgroups",
    "projects",
    "exchange",
    "newsletters",
    "notifications",
}


@dataclass(frozen=True)
class Route:
    """One URL pattern with the path that leads to it."""

    route: str  # the whole pattern, spelt as ResolverMatch.route spells it
    name: str  # "namespace:name", or "" for an unnamed pattern
    kwargs: tuple[str, ...]  # every argument, from path converters and regex groups
    converters: dict  # argument -> path converter (regex groups have none)


def url_patterns(resolver=None, prefix="", namespace="", kwargs=(), converters=None):
    """Every URL pattern of the URL configuration (or of ``resolver``), as a Route."""
    resolver = resolver or get_resolver()
    converters = converters or {}
    for entry in resolver.url_patterns:
        # As ResolverMatch.route joins them: an inner pattern's leading ^ goes.
        route = prefix + (str(entry.pattern).removeprefix("^") if prefix else str(entry.pattern))
        names = (*kwargs, *_arguments(entry.pattern))
        found = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from url_patterns(entry, route, inner, names, found)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name])) if entry.name else ""
            yield Route(route, name, names, found)


def _arguments(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return tuple(getattr(pattern, "converters", {}))


def workspace_patterns(under=WORKSPACE_PREFIX) -> Iterator[tuple[str, str, list[str]]]:
    """(route, view name, id arguments) for every URL under the workspace prefix (or ``under``)."""
    for found in url_patterns():
        if found.route.startswith(under):
            yield found.route, found.name, sorted(k for k in found.kwargs if k != "hub_slug")


# <converter:name> of path(), not the (?P<name>...) group of re_path().
_PATH_ARGUMENT = re.compile(r"(?<!\?P)<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def url_for(route: Route, values: dict[str, object]) -> str:
    """The path of ``route`` with ``values`` filled in, named or not, path() or re_path().

    ``reverse()`` needs a name; the admin's "object id without /change/"
    redirect has none, so the route string is filled in directly.
    """

    def fill_path_argument(match):
        name = match["name"]
        converter = route.converters.get(name)
        value = values[name]
        return str(converter.to_url(value) if converter else value)

    text = _PATH_ARGUMENT.sub(fill_path_argument, route.route)
    # re_path() parts: each named group becomes its value; anchors and escapes go.
    out, i = [], 0
    while i < len(text):
        if text.startswith("(?P<", i):
            name = text[i + 4 : text.index(">", i)]
            depth, j = 0, i
            while True:
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            out.append(str(values[name]))
            i = j
        elif text[i] == "\\":
            out.append(text[i + 1])
            i += 2
        elif text[i] in "^$":
            i += 1
        else:
            out.append(text[i])
            i += 1
    return "/" + "".join(out)


def hub_record_ids(hub) -> dict[str, list[int]]:
    """The ids of every record that belongs to the hub, by model label."""
    ids = {}
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for path in HUB_PATHS:
            try:
                found = model.objects.filter(**{path: hub}).values_list("pk", flat=True)
                ids.setdefault(model._meta.label, set()).update(found)
            except FieldError:
                continue
    return {label: sorted(values) for label, values in ids.items() if values}


# An id argument named after a model is tried with that model's ids; a bare
# "pk" (or anything else) with the ids of every record of the hub.
KWARG_HINTS = {
    "session": ["workgroups.Session"],
    "enrolment": ["workgroups.Enrolment"],
    "workgroup": ["workgroups.WorkGroup"],
    "partnership": ["hubs.Partnership"],
    "member": ["hubs.LeadershipTeamMember", "hubs.HubMembership"],
    "membership": ["hubs.HubMembership"],
}
for world in workspace_worlds.modules():
    KWARG_HINTS.update(world.KWARG_HINTS)


def hinted_labels(kwarg: str) -> list[str]:
    """The model labels whose ids an argument named ``kwarg`` takes (none if unhinted)."""
    return [label for key, hinted in KWARG_HINTS.items() if key in kwarg for label in hinted]


def candidates(kwarg: str, ids: dict[str, list[int]]) -> list[int]:
    chosen = {i for label in hinted_labels(kwarg) for i in ids.get(label, [])}
    return sorted(chosen or {i for values in ids.values() for i in values})
