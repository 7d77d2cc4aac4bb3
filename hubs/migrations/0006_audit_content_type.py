"""Audit entries keyed by content type instead of the model's display name.

Entries stored the changed record's kind as its model's ``verbose_name``,
which two models can share ("session": Work Group sessions and Django's own)
and which changes when a model is renamed. Existing entries get the content
type of the model their name stood for when they were written; in this trail
"session" is always a Work Group session. A name nothing matches (no such
model when the migration ran) leaves the content type empty: the entry keeps
its description and id. 0007 drops the name.
"""

import django.db.models.deletion
from django.db import migrations, models

# The verbose names the portal's audited models had when entries were keyed by
# them, frozen here: later renames must not change what old entries mean.
MODEL_BY_NAME = {
    "user": ("accounts", "user"),
    "region": ("hubs", "region"),
    "local authority": ("hubs", "localauthority"),
    "school": ("hubs", "school"),
    "organisation": ("hubs", "organisation"),
    "hub": ("hubs", "hub"),
    "partnership": ("hubs", "partnership"),
    "leadership team member": ("hubs", "leadershipteammember"),
    "teaching phase": ("hubs", "teachingphase"),
    "hub membership": ("hubs", "hubmembership"),
    "programme": ("workgroups", "programme"),
    "work group": ("workgroups", "workgroup"),
    "session": ("workgroups", "session"),
    "enrolment": ("workgroups", "enrolment"),
    "attendance": ("workgroups", "attendance"),
    "evaluation": ("workgroups", "evaluation"),
    "participant message": ("workgroups", "participantmessage"),
    "national project": ("projects", "nationalproject"),
    "project participation": ("projects", "projectparticipation"),
    "project school": ("projects", "projectschool"),
    "funding allocation": ("projects", "allocation"),
    "spending record": ("projects", "spend"),
    "exchange year": ("exchange", "exchangeyear"),
    "exchange teacher": ("exchange", "exchangeteacher"),
    "Shanghai teacher": ("exchange", "shanghaiteacher"),
    "pairing": ("exchange", "pairing"),
    "showcase": ("exchange", "showcase"),
    "observer registration": ("exchange", "observerregistration"),
    "subscriber": ("newsletters", "subscriber"),
    "issue": ("newsletters", "issue"),
    "delivery": ("newsletters", "delivery"),
}


def key_by_content_type(apps, schema_editor):
    AuditEntry = apps.get_model("hubs", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    names = AuditEntry.objects.values_list("object_type", flat=True).distinct()
    for name in names:
        if name not in MODEL_BY_NAME:
            continue
        app_label, model = MODEL_BY_NAME[name]
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        AuditEntry.objects.filter(object_type=name).update(content_type=content_type)


def key_by_name(apps, schema_editor):
    AuditEntry = apps.get_model("hubs", "AuditEntry")
    name_by_model = {model: name for name, model in MODEL_BY_NAME.items()}
    types = AuditEntry.objects.exclude(content_type=None).values_list(
        "content_type", "content_type__app_label", "content_type__model"
    )
    for pk, app_label, model in types.distinct():
        name = name_by_model.get((app_label, model), model)
        AuditEntry.objects.filter(content_type=pk).update(object_type=name)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("hubs", "0005_folded_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="content_type",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="contenttypes.contenttype",
            ),
        ),
        migrations.RunPython(key_by_content_type, key_by_name),
    ]
