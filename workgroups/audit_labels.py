"""How Work Group changes read in the change history (registered in WorkgroupsConfig.ready)."""

from hubs import audit
from workgroups.models import Enrolment, Evaluation, ParticipantMessage, Session, WorkGroup

audit.register_actions(
    {
        "workgroup.create": "Created a Work Group",
        "workgroup.update": "Changed a Work Group",
        "workgroup.publish": "Published a Work Group",
        "workgroup.close": "Closed a Work Group",
        "workgroup.places": "Changed the number of places",
        "workgroup.message": "E-mailed the participants",
        "session.create": "Added a session",
        "session.update": "Changed a session",
        "session.delete": "Removed a session",
        "attendance.record": "Recorded attendance",
        "enrolment.complete": "Marked participants as completed",
        "evaluation.save": "Saved the evaluation",
    }
)
audit.register_types(
    {
        WorkGroup: "Work Group",
        Session: "Work Group session",
        Enrolment: "Work Group enrolment",
        Evaluation: "Work Group evaluation",
        ParticipantMessage: "message to participants",
    }
)
