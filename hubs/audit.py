"""The audit trail of changes made by hub teams: who, what, when, before and after."""

from django.db import models
from django.forms.models import model_to_dict

from hubs.models import AuditEntry, Hub


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
        object_type=target._meta.verbose_name,
        object_id=str(target.pk or ""),
        object_repr=str(target)[:200],
        before=before,
        after=after,
    )
