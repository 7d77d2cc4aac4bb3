from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView

from hubs import views as hub_views
from hubs import views_manage
from hubs_portal import health

admin.site.site_header = "Maths Hubs portal: national administration"
admin.site.site_title = "Maths Hubs administration"
admin.site.index_title = "Network records"
# allauth's rate limits protect the admin's log-in form too.
admin.site.login = secure_admin_login(admin.site.login)


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for whatever the page links: the SVG icon.

    A temporary redirect, since the target's name carries a hash of its content
    in production (STORAGES) and changes with the icon.
    """

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("img/favicon.svg")


urlpatterns = [
    path("favicon.ico", cache_control(max_age=24 * 60 * 60)(FaviconView.as_view())),
    path("", hub_views.home, name="home"),
    path("livez", health.livez, name="livez"),
    path("healthz", health.healthz, name="healthz"),
    path("find/", hub_views.find_hub, name="find-hub"),
    path("hubs/", include("hubs.urls")),
    path("", include("workgroups.urls")),
    path("account/", include("accounts.urls")),
    path("account/", include("allauth.urls")),
    path("newsletter/", include("newsletters.urls")),
    path("projects/", include("projects.urls")),
    path("exchange/", include("exchange.urls")),
    path("reports/", include("reports.urls")),
    # The hub workspace. Every view under manage/<hub_slug>/ checks that the
    # user is on that hub's team (hubs/access.py); tests/test_workspace_access.py
    # walks every one of them as an outsider.
    path("manage/", views_manage.my_hubs, name="manage-home"),
    path("manage/<slug:hub_slug>/", include("hubs.urls_manage")),
    path("manage/<slug:hub_slug>/workgroups/", include("workgroups.urls_manage")),
    path("manage/<slug:hub_slug>/newsletter/", include("newsletters.urls_manage")),
    path("manage/<slug:hub_slug>/projects/", include("projects.urls_manage")),
    path("manage/<slug:hub_slug>/funding/", include("projects.urls_manage_funding")),
    path("manage/<slug:hub_slug>/exchange/", include("exchange.urls_manage")),
    path("admin/", admin.site.urls),
]
