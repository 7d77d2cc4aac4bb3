"""The change history: entries keyed by content type, each app wording its own actions."""

import ast
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session as WebSession
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from hubs import audit
from hubs.audit import audit_record
from hubs.models import AuditEntry, LeadershipTeamMember
from tests.factories import make_session, make_workgroup
from tests.helpers import words
from workgroups.models import Session
from workgroups.services import session_save

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = {".git", ".venv", "node_modules", "migrations", "tests"}


def history(client, hub) -> str:
    return words(client.get(reverse("manage-hubs:audit", args=[hub.slug])))


# ---- Every action has its words --------------------------------------------------------


def _source_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in NOT_SOURCE and not d.startswith("."))
        yield from (Path(folder) / name for name in sorted(files) if name.endswith(".py"))


def _is_recording(call: ast.Call) -> bool:
    """audit_record(...), AuditEntry(...) or AuditEntry.objects.create(...)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name in {"audit_record", "AuditEntry"}:
        return True
    return name == "create" and "AuditEntry.objects" in ast.unparse(func)


class _Module:
    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.constants = {
            target.id: node.value.value
            for node in self.tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        self.enclosing = {}  # node -> the function it is in
        for function in ast.walk(self.tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    self.enclosing.setdefault(node, None)
                    if node is not function:
                        self.enclosing[node] = function

    def calls(self):
        return (node for node in ast.walk(self.tree) if isinstance(node, ast.Call))

    def actions(self, expr: ast.expr, at: ast.AST) -> set[str]:
        """The strings ``expr`` can be: literals, either branch of ``x if c else y``,
        module constants, and parameters followed to this module's callers."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.actions(expr.body, at) | self.actions(expr.orelse, at)
        if isinstance(expr, ast.Name):
            function = self.enclosing.get(at)
            parameters = (
                {a.arg for a in function.args.args + function.args.kwonlyargs} if function else ()
            )
            if expr.id in parameters:
                found = set()
                for call in self.calls():
                    called = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                    if called != function.name:
                        continue
                    for keyword in call.keywords:
                        if keyword.arg == expr.id:
                            found |= self.actions(keyword.value, call)
                if found:
                    return found
            elif expr.id in self.constants:
                return {self.constants[expr.id]}
        raise AssertionError(
            f"{self.path.relative_to(ROOT)}:{expr.lineno}: an audit action this test cannot "
            f"read ({ast.unparse(expr)}): pass a string literal, so its label can be checked"
        )


def recorded_actions() -> set[str]:
    found = set()
    for path in _source_files():
        if path.resolve() == Path(audit.__file__).resolve():
            continue  # audit_record itself
        module = _Module(path)
        for call in module.calls():
            if _is_recording(call):
                for keyword in call.keywords:
                    if keyword.arg == "action":
                        found |= module.actions(keyword.value, call)
    return found


def test_every_action_recorded_anywhere_has_a_label():
    recorded = recorded_actions()
    # The search reaches literals, both branches of a conditional, parameters
    # set by their callers and module constants, in every app (and the demo).
    assert {
        "partnership.add",
        "session.create",
        "session.update",
        "workgroup.publish",
        "exchange.showcase.closed",
        "newsletter sent",
        "newsletter.subscriber_remove",
        "project_participation.create",
    } <= recorded
    assert sorted(recorded - set(audit.registered_actions())) == []


def test_an_action_nobody_registered_still_reads(lead_client, hub, hub_lead):
    audit_record(
        hub=hub, user=hub_lead, action="partnership.re_checked", target=hub, after={"x": 1}
    )
    AuditEntry.objects.create(hub=hub, action="cleanup", object_repr="Old thing")

    text = history(lead_client, hub)

    assert f"Partnership: re checked: {hub.name}" in text
    assert "Cleanup: Old thing Record," in text  # no content type: a plain "record"


def test_an_app_cannot_silently_reword_another_apps_action():
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        audit.register_actions({"workgroup.create": "Made a group"})
    audit.register_actions({"workgroup.create": "Created a Work Group"})  # the same words: fine


# ---- Keyed by content type -------------------------------------------------------------


def test_a_session_entry_reads_as_a_work_group_session(lead_client, hub, hub_lead):
    # Django's own sessions share the verbose name "session".
    assert Session._meta.verbose_name == WebSession._meta.verbose_name == "session"
    workgroup = make_workgroup(hub, title="Fractions in Year 5")
    session = make_session(workgroup, 1, timezone.now() + timedelta(days=7))
    session.venue_name = "Carmel College"
    session_save(workgroup=workgroup, session=session, user=hub_lead)

    entry = AuditEntry.objects.get(action="session.update")
    assert entry.content_type == ContentType.objects.get_for_model(Session)
    text = history(lead_client, hub)
    assert "Changed a session: Fractions in Year 5: session 1 Work Group session," in text
    assert "Venue name: changed from (empty) to Carmel College" in text


def test_renaming_a_model_leaves_its_history_as_it_read(lead_client, hub, hub_lead, monkeypatch):
    leader = LeadershipTeamMember.objects.create(hub=hub, name="Priya", role="senior_lead")
    audit_record(
        hub=hub,
        user=hub_lead,
        action="leader.change",
        target=leader,
        before={"role": "senior_lead"},
        after={"role": "project_manager"},
    )
    before = history(lead_client, hub)
    assert "Leadership team member," in before
    assert "Role: changed from Senior Lead to Project Manager" in before

    monkeypatch.setattr(LeadershipTeamMember._meta, "verbose_name", "board member")

    assert history(lead_client, hub) == before


@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_existing_entries_by_content_type(hub):
    """Entries written under display names get the model each name stood for:
    "session" is a Work Group session; a name no model had keeps no type."""
    executor = MigrationExecutor(connection)
    executor.migrate([("hubs", "0005_folded_search")])
    OldEntry = executor.loader.project_state([("hubs", "0005_folded_search")]).apps.get_model(
        "hubs", "AuditEntry"
    )
    for name in ["session", "leadership team member", "no such thing"]:
        OldEntry.objects.create(hub_id=hub.pk, action="x", object_type=name, object_repr=name)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    models = {
        entry.object_repr: entry.content_type and entry.content_type.model_class()
        for entry in AuditEntry.objects.select_related("content_type")
    }
    assert models == {
        "session": Session,
        "leadership team member": LeadershipTeamMember,
        "no such thing": None,
    }
