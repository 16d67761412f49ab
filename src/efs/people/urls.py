from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("educators/", views.educators, name="educators"),
    path("educators/export.xlsx", views.educators_export, name="educators_export"),
    path("educators/<int:pk>/", views.educator, name="educator"),
    path("organizations/", views.organizations, name="organizations"),
    path("consents/", views.consents, name="consents"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_batch, name="import"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("audit/", views.audit, name="audit"),
    path("macroregions/", views.macroregions, name="macroregions"),
    path("tokens/", views.tokens, name="tokens"),
    path("notifications/", views.notifications, name="notifications"),
]
