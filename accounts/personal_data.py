"""What each app holds about a person: its part of "Your data" and of deleting the account.

Every app that keeps records about a person registers them here from its
``AppConfig.ready()`` (in ``<app>/personal_data.py``), so that accounts needs
to know none of them (the idea of pretix's data shredders)::

    from accounts import personal_data

    personal_data.register(
        "enrolments",                      # the key in the export ("a.b" nests)
        order=200,                         # where, in the export and in erasure
        export=export_enrolments,          # func(person) -> JSON-ready value
        release=release_places,            # func(person): before the account goes
        release_preview=places_given_up,   # func(user) -> [str] for the confirm page
        erase=None,                        # func(person): after it is anonymised
        links={"workgroups.Enrolment.teacher": "what deleting the account does to it"},
    )

``links`` names every foreign key or many-to-many to the user the entry
covers, ``addresses`` every e-mail field it matches the person's addresses
against: tests/test_personal_data.py fails when a model links to the user and
no entry covers the link.

Account deletion (accounts.services.account_delete) runs, in one
transaction: each entry's ``release`` in order (places given up through the
owning app's services, so waiting lists move on, while the account is still
the person's), then each ``erase`` in order, the account's own first (order
100: anonymised, sessions ended), then whatever those asked to run last
(``Person.afterwards``). The hubs' change history is scrubbed at order 600,
so an erase that asks it to forget a name (``Person.forget_name``) comes
before that.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.db.models.functions import Lower
from django.utils import timezone

from notifications.models import Email


@dataclass(frozen=True)
class Entry:
    name: str
    order: int
    export: Callable | None = None
    release: Callable | None = None
    release_preview: Callable | None = None
    erase: Callable | None = None
    links: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)


_registry: dict[str, Entry] = {}


def register(
    name: str,
    *,
    order: int,
    export: Callable | None = None,
    release: Callable | None = None,
    release_preview: Callable | None = None,
    erase: Callable | None = None,
    links: dict[str, str] | None = None,
    addresses: dict[str, str] | None = None,
) -> None:
    """Add (or, registered again under the same name, replace) one part of a person's data."""
    _registry[name] = Entry(
        name, order, export, release, release_preview, erase, links or {}, addresses or {}
    )


def entries() -> list[Entry]:
    """Every registered entry, in their stable order (``order``, then name)."""
    return sorted(_registry.values(), key=lambda e: (e.order, e.name))


def relation_label(field) -> str:
    return f"{field.model._meta.app_label}.{field.model.__name__}.{field.name}"


def user_relations() -> dict[str, tuple[str, str]]:
    """Each covered link to the user: (the entry that covers it, what deletion does)."""
    return {
        label: (entry.name, on_delete)
        for entry in entries()
        for label, on_delete in entry.links.items()
    }


def address_fields() -> dict[str, str]:
    """Each e-mail field an entry matches the person's addresses against, and how."""
    return {label: how for entry in entries() for label, how in entry.addresses.items()}


def when(value: datetime | date | None) -> str | None:
    """A date or time as the export writes it (local time, ISO 8601)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def school(school) -> dict | None:
    """A school as the export writes it."""
    if school is None:
        return None
    return {"name": school.name, "urn": school.urn}


def addresses_of(user) -> list[str]:
    """The addresses the person has proved are theirs, lower-cased (1 query)."""
    verified = EmailAddress.objects.filter(user=user, verified=True)
    return sorted(
        {user.email.lower(), *(a.lower() for a in verified.values_list("email", flat=True))}
    )


def by_address(queryset, field: str, addresses: Iterable[str]):
    """Rows whose ``field`` is one of ``addresses``, whatever its case."""
    return queryset.alias(_address=Lower(field)).filter(_address__in=list(addresses))


class Person:
    """The person whose data is exported or erased, with what the entries share.

    Built from a loaded user; reads their e-mail addresses at once (1 query),
    so that deletion still knows them after it has erased them.
    """

    def __init__(self, user, *, now: datetime | None = None):
        self.user = user
        self.now = now or timezone.now()
        self.email_addresses = list(EmailAddress.objects.filter(user=user).order_by("email"))
        # Only proven addresses: anyone can add any address unverified, and
        # records under someone else's address must never be exported or erased.
        self.addresses = sorted(
            {user.email.lower(), *(a.email.lower() for a in self.email_addresses if a.verified)}
        )
        self.names_to_forget: dict[tuple[str, str], str] = {}
        self._afterwards: list[Callable[[], None]] = []

    @property
    def name(self) -> str:
        return self.user.full_name.strip()

    @cached_property
    def emails(self) -> list:
        """The portal's e-mails to the person's addresses, without bodies (1 query, shared)."""
        return list(
            by_address(Email.objects.all(), "to", self.addresses)
            .only("key", "to", "subject", "status", "created_at", "sent_at")
            .order_by("created_at", "pk")
        )

    def forget_name(self, target, name: str) -> None:
        """Have the history scrub take ``name`` out of the change history of ``target``."""
        self.names_to_forget[(ContentType.objects.get_for_model(target).pk, str(target.pk))] = name

    def afterwards(self, func: Callable[[], None]) -> None:
        """Run ``func`` once every entry has erased its part (as the account's last step)."""
        self._afterwards.append(func)

    def run_afterwards(self) -> None:
        for func in self._afterwards:
            func()
        self._afterwards.clear()


def export(person: Person) -> dict:
    """Each entry's export, in order, nested where a name has a dot."""
    data: dict = {}
    for entry in entries():
        if entry.export is None:
            continue
        *parents, key = entry.name.split(".")
        part = data
        for parent in parents:
            part = part.setdefault(parent, {})
        part[key] = entry.export(person)
    return data


def release(person: Person) -> None:
    for entry in entries():
        if entry.release is not None:
            entry.release(person)


def erase(person: Person) -> None:
    for entry in entries():
        if entry.erase is not None:
            entry.erase(person)
    person.run_afterwards()


def release_preview(user) -> list[str]:
    """What deleting the account would give up, one line each, for its owner."""
    return [line for e in entries() if e.release_preview for line in e.release_preview(user)]
