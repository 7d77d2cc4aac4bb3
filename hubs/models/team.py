"""A hub's team in the portal and the audit trail of what it changed."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from hubs.models.network import Hub


class HubMembership(models.Model):
    """A person on a hub's team: its leads run the hub, members help."""

    class Role(models.TextChoices):
        LEAD = "lead", "Hub lead"
        MEMBER = "member", "Team member"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_memberships"
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hub", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "user"], name="membership_once_per_hub"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.hub})"


class AuditEntry(models.Model):
    """Who changed what in a hub's records, when, and how it looked before and after."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="audit_entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    # The kind of record changed, as Django's own LogEntry keys it: a display
    # name such as "session" is ambiguous and changes when a model is renamed.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["hub", "-at"], name="audit_hub_at_idx"),
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user}: {self.action} {self.object_repr}"
