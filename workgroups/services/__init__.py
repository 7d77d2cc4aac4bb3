"""Work Group services, one module per topic, re-exported here.

enrolments: teachers joining and leaving, the waiting list.
workgroups: the hub team's changes to a Work Group and its places.
sessions: sessions, attendance, completion, messages, the evaluation.
"""

from workgroups.services.enrolments import EnrolmentRefused, enrolment_join, enrolment_withdraw
from workgroups.services.sessions import (
    SESSION_AUDIT_FIELDS,
    attendance_record,
    enrolments_complete,
    evaluation_save,
    participants,
    participants_message_send,
    session_delete,
    session_save,
)
from workgroups.services.workgroups import (
    SLUG_MAX,
    WORKGROUP_AUDIT_FIELDS,
    WorkGroupChangeRefused,
    workgroup_close,
    workgroup_create,
    workgroup_publish,
    workgroup_set_capacity,
    workgroup_slug,
    workgroup_update,
)

__all__ = [
    "SESSION_AUDIT_FIELDS",
    "SLUG_MAX",
    "WORKGROUP_AUDIT_FIELDS",
    "EnrolmentRefused",
    "WorkGroupChangeRefused",
    "attendance_record",
    "enrolment_join",
    "enrolment_withdraw",
    "enrolments_complete",
    "evaluation_save",
    "participants",
    "participants_message_send",
    "session_delete",
    "session_save",
    "workgroup_close",
    "workgroup_create",
    "workgroup_publish",
    "workgroup_set_capacity",
    "workgroup_slug",
    "workgroup_update",
]
