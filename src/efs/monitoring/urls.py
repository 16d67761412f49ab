from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("indicators/<slug:code>/", views.indicator, name="indicator"),
    path("regions/", views.compare, name="compare"),
    path("people/", views.people, name="people"),
    path("report/", views.report, name="report"),
    path("releases/", views.releases, name="releases"),
    path("releases/<int:pk>/", views.release, name="release"),
    path("passports/", views.passports, name="passports"),
    path("passports/new/", views.passport_new, name="passport_new"),
    path("passports/<slug:code>/edit/", views.passport_edit, name="passport_edit"),
]
