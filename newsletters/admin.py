from django.contrib import admin

from newsletters.models import Delivery, Issue, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "hub", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["status", "hub"]
    search_fields = ["email"]
    list_select_related = ["hub"]
    # Changing state here would skip the double opt-in: read-only.
    readonly_fields = [f.name for f in Subscriber._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["subject", "hub", "status", "created_at", "sent_at", "sent_count"]
    list_filter = ["status", "hub"]
    search_fields = ["subject"]
    list_select_related = ["hub"]
    readonly_fields = [f.name for f in Issue._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["issue", "subscriber", "status", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["issue", "subscriber"]
    raw_id_fields = ["issue", "subscriber"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
