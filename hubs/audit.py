"""The audit trail of changes made by hub teams: who, what, when, before and after.

An entry names the changed record by content type and id, as Django's own
``LogEntry`` does, so renaming a model does not change what old entries mean.

Each app owns how its entries read. From its ``AppConfig.ready()`` it
registers a label for every action it records (``register_actions``) and,
where the model's verbose name would not say enough, a name for the kind of
record (``register_types``). The workspace's change history page renders
``history()``.
"""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.paginator import Page, Paginator
from django.db import models
from django.forms.models import model_to_dict

from hubs.models import AuditEntry, Hub

AUDIT_PER_PAGE = 50

_action_labels: dict[str, str] = {}
_type_names: dict[str, str] = {}  # by content type, as "app_label.model"


def register_actions(labels: dict[str, str]) -> None:
    """How the change history words each action, e.g. {"workgroup.create": "Created a Work Group"}."""
    _register(_action_labels, labels, "action")


def register_types(names: dict[type[models.Model], str]) -> None:
    """What the change history calls a model's records, e.g. {Session: "Work Group session"}."""
    _register(_type_names, {model._meta.label_lower: name for model, name in names.items()}, "type")


def _register(registry: dict[str, str], new: dict[str, str], kind: str) -> None:
    for key, text in new.items():
        if registry.get(key, text) != text:
            raise ImproperlyConfigured(
                f"Audit {kind} {key!r} is already registered as {registry[key]!r}."
            )
    registry.update(new)


def registered_actions() -> dict[str, str]:
    return dict(_action_labels)


def action_label(action: str) -> str:
    """The registered label; an action nobody registered reads as its code."""
    return _action_labels.get(action) or (action.replace(".", ": ").replace("_", " ").capitalize())


def type_name(content_type: ContentType | None) -> str:
    """The registered name for the kind of record, else the model's verbose name."""
    if content_type is None:
        return "record"
    key = f"{content_type.app_label}.{content_type.model}"
    return _type_names.get(key) or content_type.name


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The object's field values, JSON-ready (related objects as their ids)."""
    data = model_to_dict(obj, fields=fields)
    for name, value in data.items():
        if isinstance(value, list):
            data[name] = sorted(
                item.pk if isinstance(item, models.Model) else item for item in value
            )
        elif isinstance(value, models.Model):
            data[name] = value.pk
    return data


def audit_record(
    *,
    hub: Hub,
    user,
    action: str,
    target: models.Model,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Record one change. Call inside the transaction that makes the change."""
    return AuditEntry.objects.create(
        hub=hub,
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk or ""),
        object_repr=str(target)[:200],
        before=before,
        after=after,
    )


def history(hub: Hub, page_number) -> Page:
    """One page of the hub's change history, newest first.

    Each entry on it carries ``label`` (what was done), ``what`` (the kind of
    record) and ``changes`` (field by field, in words).
    """
    entries = (
        AuditEntry.objects.filter(hub=hub)
        .select_related("user", "content_type")
        .order_by("-at", "-pk")
    )
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    for entry in page.object_list:
        entry.label = action_label(entry.action)
        entry.what = type_name(entry.content_type)
        model = entry.content_type.model_class() if entry.content_type else None
        entry.changes = _changes(entry, model)
    return page


def _readable(value, field: models.Field | None) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if field is not None and field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and len(value) == 10:
        try:
            return f"{date.fromisoformat(value):%-d %B %Y}"
        except ValueError:
            pass
    return str(value)


def _changes(entry: AuditEntry, model: type[models.Model] | None) -> list[dict]:
    """The fields that differ between before and after, labelled and in words.

    Related records are stored as ids, which mean nothing to a reader: they
    are left out when a record is added or removed (snapshots carry the names
    that matter, such as "partner"), and an update says only that they changed.
    """
    before, after = entry.before or {}, entry.after or {}
    adding, removing = entry.before is None, entry.after is None
    # PostgreSQL keeps JSON keys in its own order: show names such as
    # "partner" first, then the fields in the model's order.
    field_order = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model else {}
    names = sorted({*before, *after}, key=lambda name: (field_order.get(name, -1), name))
    changes = []
    for name in names:
        old, new = before.get(name), after.get(name)
        if not adding and not removing and old == new:
            continue
        if (adding and new in (None, "", [])) or (removing and old in (None, "", [])):
            continue  # an empty field says nothing about what was added or removed
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        if field is not None and field.is_relation:
            if adding or removing:
                continue
            text = "changed"
        elif adding:
            text = _readable(new, field)
        elif removing:
            text = f"was {_readable(old, field)}"
        else:
            text = f"changed from {_readable(old, field)} to {_readable(new, field)}"
        label = str(getattr(field, "verbose_name", None) or name.replace("_", " "))
        changes.append({"label": label[:1].upper() + label[1:], "text": text})
    return changes
