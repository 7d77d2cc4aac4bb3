"""How changes made when an account is deleted read in the change history.

Registered in AccountsConfig.ready; the records belong to other apps, which
name their kinds.
"""

from hubs import audit

audit.register_actions(
    {
        "enrolment.release": "Released a Work Group place",
        "observer.release": "Cancelled a showcase lesson registration",
        "exchange_teacher.anonymise": "Took a deleted account's name off a nomination",
        "newsletter.subscriber_remove": "Removed a newsletter subscriber",
    }
)
