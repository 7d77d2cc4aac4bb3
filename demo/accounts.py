"""The demo accounts: one per persona, one published password, one published TOTP secret.

These exist only in a database loaded by ``manage.py load_demo`` (``make run``).
Everything about them is public on purpose, so the command refuses to create
them where DEBUG is off unless told otherwise (see load_demo --allow-no-debug).
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from hubs.models import Hub, HubMembership, School, TeachingPhase

# Every person the demo makes has an address at this domain (a reserved
# top-level domain: no mail can ever reach it), so demo people are found by it.
DEMO_DOMAIN = "demo.example"
DEMO_SUFFIX = f"@{DEMO_DOMAIN}"
DEMO_PASSWORD = "try-the-demo-hub"
# base32 of b"maths-hubs-demo-2fa!": 20 bytes, the length allauth generates.
DEMO_TOTP_SECRET = "NVQXI2DTFVUHKYTTFVSGK3LPFUZGMYJB"
# The hub the personas belong to: the most schools in the GIAS sample, so the
# richest demo data.
DEMO_HUB = "london-central-and-west"


@dataclass(frozen=True)
class DemoAccount:
    persona: str
    email: str
    full_name: str
    # What to try, and where to start (paths; {hub} is the demo hub's slug).
    tries: str
    start: tuple[str, ...]
    two_factor: bool = True
    role: str = ""  # HubMembership.Role on the demo hub, if any
    ncetm: bool = False
    superuser: bool = False

    def paths(self, hub_slug: str = DEMO_HUB) -> list[str]:
        return [path.format(hub=hub_slug) for path in self.start]


TEACHER = DemoAccount(
    persona="Teacher",
    email=f"teacher@{DEMO_DOMAIN}",
    full_name="Amira Hussain",
    tries="My Work Groups: two this year (one under way), a place on a waiting list, one "
    "completed last year; join or withdraw in the catalogue; the calendar feed; newsletters.",
    start=("/my/workgroups/", "/workgroups/", "/exchange/"),
    two_factor=False,
)
HUB_MEMBER = DemoAccount(
    persona="Hub team member",
    email=f"member@{DEMO_DOMAIN}",
    full_name="Ben Carter",
    tries="The hub workspace: Work Groups, participants, attendance, newsletter, projects, "
    "exchange; the hub's own reports.",
    start=("/manage/{hub}/", "/manage/{hub}/workgroups/", "/manage/{hub}/newsletter/"),
    role=HubMembership.Role.MEMBER,
)
HUB_LEAD = DemoAccount(
    persona="Hub lead",
    email=f"lead@{DEMO_DOMAIN}",
    full_name="Grace Okafor",
    tries="Everything a member can, plus the team, funding (allocations and spending), "
    "the exchange nominations and showcases.",
    start=("/manage/{hub}/", "/manage/{hub}/funding/", "/manage/{hub}/exchange/", "/reports/"),
    role=HubMembership.Role.LEAD,
)
ANALYST = DemoAccount(
    persona="NCETM analyst",
    email=f"analyst@{DEMO_DOMAIN}",
    full_name="Nina Patel",
    tries="The national reports: regions, hubs, Work Groups, closing the gaps, the trend, "
    "CSV and Excel; read any hub's workspace.",
    start=("/reports/", "/reports/trend/", "/reports/gaps/", "/manage/"),
    ncetm=True,
)
ADMIN = DemoAccount(
    persona="Administrator",
    email=f"admin@{DEMO_DOMAIN}",
    full_name="Alex Morgan",
    tries="The national administration site (every record), and everything NCETM staff see.",
    start=("/admin/", "/reports/"),
    superuser=True,
)
DEMO_ACCOUNTS: list[DemoAccount] = [TEACHER, HUB_MEMBER, HUB_LEAD, ANALYST, ADMIN]
BY_EMAIL = {account.email: account for account in DEMO_ACCOUNTS}


def demo_account(email: str) -> DemoAccount | None:
    return BY_EMAIL.get(email.strip().lower())


def ensure_accounts(*, hub: Hub, school: School, phases: list[TeachingPhase]) -> dict[str, User]:
    """Create the demo accounts that are missing; leave the others as they are.

    The password is hashed once for all of them (hashing is slow on purpose).
    An account whose authenticator was removed gets the demo one back.
    """
    users: dict[str, User] = {}
    password = None
    now = timezone.now()
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None:
            password = password or make_password(DEMO_PASSWORD)
            user = User(
                email=account.email,
                password=password,
                full_name=account.full_name,
                is_ncetm_staff=account.ncetm,
                is_staff=account.superuser,
                is_superuser=account.superuser,
            )
            if account is TEACHER:
                user.school = school
                user.job_role = User.JobRole.CLASS_TEACHER
                user.profile_completed_at = now
            user.save()
            if account is TEACHER:
                user.phases.set(phases)
        EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if account.role:
            HubMembership.objects.get_or_create(hub=hub, user=user, defaults={"role": account.role})
        if (
            account.two_factor
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
        users[account.email] = user
    return users


def totp_secret(user: User) -> str | None:
    """The secret of the user's authenticator app, as allauth stores it (decrypted)."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return decrypt(authenticator.data["secret"])


def totp_code(secret: str, at: float) -> str:
    """The code an authenticator app shows for ``secret`` at ``at`` (allauth's maths)."""
    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(at) // app_settings.TOTP_PERIOD))


def totp_url(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (the QR code's content)."""
    return get_mfa_adapter().build_totp_url(user, secret)
