from django.urls import include, path

app_name = "coordination"

urlpatterns = [
    path("programs/", include("efs.coordination.programs.urls")),
]
