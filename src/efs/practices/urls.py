from django.urls import include, path

app_name = "practices"

urlpatterns = [
    path("network/", include("efs.practices.network.urls")),
]
