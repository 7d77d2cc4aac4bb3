from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from hubs import views as hub_views

admin.site.site_header = "Maths Hubs portal: national administration"
admin.site.site_title = "Maths Hubs administration"
admin.site.index_title = "Network records"
# allauth's rate limits protect the admin's log-in form too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", hub_views.home, name="home"),
    path("find/", hub_views.find_hub, name="find-hub"),
    path("hubs/", include("hubs.urls")),
    path("", include("workgroups.urls")),
    path("account/", include("accounts.urls")),
    path("account/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
