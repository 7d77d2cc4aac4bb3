"""The display name goes (0006 keyed entries by content type); entries are
found per record by content type and id.

A migration of its own: PostgreSQL refuses to alter a table in the
transaction that has just updated its rows under a deferred foreign key.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hubs", "0006_audit_content_type"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="auditentry",
            name="object_type",
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
        ),
    ]
