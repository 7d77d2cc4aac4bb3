"""Every link to a person belongs to some app's registered part of their data.

A new foreign key, one-to-one, many-to-many or generic foreign key that can
point at the user fails ``test_every_link_to_the_user_is_covered`` until its
app registers it (``links=`` in ``<app>/personal_data.py``), saying how the
export covers it and what deleting the account does to it.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test.utils import isolate_apps

from accounts import personal_data
from accounts.models import User


def links_to_the_user(model_list) -> set[str]:
    """ "app.Model.field" for each relation in ``model_list`` that can point at the user.

    Walks the fields themselves rather than ``User._meta.related_objects``,
    which leaves out links declared with ``related_name="+"``. A generic
    foreign key can point at any model, the user's too. The user's own fields
    are the account's part; an auto-created many-to-many table is checked
    through its many-to-many field.
    """
    user_model = get_user_model()
    links = set()
    for model in model_list:
        if model._meta.concrete_model is user_model or model._meta.auto_created:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, GenericForeignKey) or (
                isinstance(field, models.Field)  # forward fields only, M2M too
                and field.is_relation
                and field.related_model is not None
                and field.related_model._meta.concrete_model is user_model
            ):
                links.add(personal_data.relation_label(field))
    return links


def uncovered(model_list, covered) -> list[str]:
    return sorted(links_to_the_user(model_list) - set(covered))


def test_every_link_to_the_user_is_covered(db):
    missing = uncovered(apps.get_models(include_auto_created=True), personal_data.user_relations())
    assert missing == [], (
        "These fields link to the user but no app registers them in its personal_data.py "
        f"(links=...): {', '.join(missing)}"
    )


def test_a_link_whose_part_is_not_registered_is_named():
    """The check fails, naming the field, when the part covering a link is missing."""
    registered = personal_data.user_relations()
    without_enrolments = {
        label: part for label, part in registered.items() if part[0] != "enrolments"
    }

    assert uncovered(apps.get_models(), without_enrolments) == ["workgroups.Enrolment.teacher"]


@isolate_apps("accounts")
def test_every_kind_of_link_is_found():
    class Bookmark(models.Model):  # noqa: DJ008
        owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
        profile = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
        readers = models.ManyToManyField(User, related_name="+")
        content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
        object_id = models.PositiveIntegerField()
        about = GenericForeignKey("content_type", "object_id")

        class Meta:
            app_label = "accounts"

    assert uncovered([Bookmark, Bookmark.readers.through], {}) == [
        "accounts.Bookmark.about",
        "accounts.Bookmark.owner",
        "accounts.Bookmark.profile",
        "accounts.Bookmark.readers",
    ]


def test_each_part_is_registered_once_in_a_stable_order():
    names = [entry.name for entry in personal_data.entries()]
    assert len(names) == len(set(names))
    assert names[:3] == ["account", "email_addresses", "enrolments"]
    # A link belongs to exactly one part.
    labels = [label for entry in personal_data.entries() for label in entry.links]
    assert len(labels) == len(set(labels))
