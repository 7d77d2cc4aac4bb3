from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts import data  # noqa: F401  (registers the account's part of a person's data)
        from hubs_portal.checks import check_site_url

        # SITE_URL makes every link in the portal's e-mails, allauth's among
        # them (accounts/adapter.py): production refuses to deploy without it.
        checks.register(check_site_url, checks.Tags.security, deploy=True)

        from accounts import audit_labels  # noqa: F401  (registers how its change history reads)
