"""How the hubs app's changes read in the change history (registered in HubsConfig.ready)."""

from hubs import audit
from hubs.models import Hub, HubMembership, LeadershipTeamMember, Organisation, Partnership

audit.register_actions(
    {
        "partnership.add": "Added a partner",
        "partnership.end": "Ended a partnership",
        "organisation.add": "Added an organisation",
        "leader.add": "Added to the leadership team",
        "leader.change": "Changed a leadership team entry",
        "leader.remove": "Removed from the leadership team",
        "hub.contact": "Changed the hub's contact details",
        "membership.add": "Added to the hub team",
        "membership.role": "Changed a team role",
        "membership.remove": "Removed from the hub team",
    }
)
audit.register_types(
    {
        Hub: "hub",
        HubMembership: "hub team membership",
        LeadershipTeamMember: "leadership team member",
        Organisation: "organisation",
        Partnership: "partnership",
    }
)
