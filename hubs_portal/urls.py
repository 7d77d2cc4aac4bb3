from django.contrib import admin
from django.urls import include, path

from hubs import views as hub_views

admin.site.site_header = "Maths Hubs portal: national administration"
admin.site.site_title = "Maths Hubs administration"
admin.site.index_title = "Network records"

urlpatterns = [
    path("", hub_views.home, name="home"),
    path("find/", hub_views.find_hub, name="find-hub"),
    path("hubs/", include("hubs.urls")),
    path("admin/", admin.site.urls),
]
