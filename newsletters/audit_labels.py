"""How newsletter changes read in the change history (registered in NewslettersConfig.ready)."""

from hubs import audit
from newsletters.models import Issue, Subscriber

audit.register_actions(
    {
        "newsletter drafted": "Drafted a newsletter",
        "newsletter edited": "Changed a newsletter draft",
        "newsletter sent": "Sent a newsletter",
    }
)
audit.register_types({Issue: "newsletter", Subscriber: "newsletter subscriber"})
