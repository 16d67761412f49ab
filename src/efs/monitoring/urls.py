from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("indicators/<slug:code>/", views.indicator, name="indicator"),
    path("releases/", views.releases, name="releases"),
    path("releases/<int:pk>/", views.release, name="release"),
]
