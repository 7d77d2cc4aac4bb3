"""England's school system and the Maths Hubs network: who is where, and who leads.

Split by topic: places (regions, authorities, schools, teaching phases),
network (hubs, partnerships, organisations, leadership teams) and team (hub
memberships, the audit trail). Import models from here: ``from hubs.models import Hub``.
"""

from hubs.models.network import (
    MAX_CURRENT_LEAD_SCHOOLS,
    Hub,
    HubQuerySet,
    LeadershipTeamMember,
    Organisation,
    Partnership,
    PartnershipQuerySet,
    RecordStatus,
)
from hubs.models.places import (
    POSTCODE_PREFIX,
    LocalAuthority,
    Region,
    School,
    SchoolQuerySet,
    TeachingPhase,
    looks_like_postcode,
    normalise_postcode,
)
from hubs.models.team import AuditEntry, HubMembership

__all__ = [
    "MAX_CURRENT_LEAD_SCHOOLS",
    "POSTCODE_PREFIX",
    "AuditEntry",
    "Hub",
    "HubMembership",
    "HubQuerySet",
    "LeadershipTeamMember",
    "LocalAuthority",
    "Organisation",
    "Partnership",
    "PartnershipQuerySet",
    "RecordStatus",
    "Region",
    "School",
    "SchoolQuerySet",
    "TeachingPhase",
    "looks_like_postcode",
    "normalise_postcode",
]
