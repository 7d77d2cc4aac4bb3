
app_name = "manage-newsletter"

urlpatterns: list = []
