"""The hub workspace: /manage/<hub_slug>/... Every view is behind hub_team_required."""

from django.urls import path

from hubs import views_manage as views
from hubs import views_manage_partners as partners

app_name = "manage-hubs"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("partners/", partners.partners, name="partners"),
    path("partners/add/", partners.partner_add, name="partner-add"),
    path("partners/<int:pk>/end/", partners.partner_end, name="partner-end"),
    path("partners/contact/", partners.contact_edit, name="contact-edit"),
    path("leadership/add/", partners.leader_add, name="leader-add"),
    path("leadership/<int:pk>/edit/", partners.leader_edit, name="leader-edit"),
    path("leadership/<int:pk>/remove/", partners.leader_remove, name="leader-remove"),
    path("team/", views.team, name="team"),
    path("team/add/", views.team_add, name="team-add"),
    path("team/<int:pk>/role/", views.team_role, name="team-role"),
    path("team/<int:pk>/remove/", views.team_remove, name="team-remove"),
    path("history/", views.audit, name="audit"),
]
