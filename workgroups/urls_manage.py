
app_name = "manage-workgroups"

urlpatterns: list = []
