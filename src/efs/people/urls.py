from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("educators/", views.educators, name="educators"),
    path("educators/export.xlsx", views.educators_export, name="educators_export"),
    path("educators/<int:pk>/", views.educator, name="educator"),
    path("organizations/", views.organizations, name="organizations"),
    path("consents/", views.consents, name="consents"),
    path("consents/give/", views.consent_give, name="consent_give"),
    path("consents/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_batch, name="import"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("audit/", views.audit, name="audit"),
    path("macroregions/", views.macroregions, name="macroregions"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/revoke/", views.token_revoke, name="token_revoke"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/email/", views.email_settings, name="email_settings"),
]
