from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("municipalities/<int:pk>/", views.municipality, name="municipality"),
    path("export/forecast.xlsx", views.export_forecast, name="export_forecast"),
    path("export/risk.xlsx", views.export_risk, name="export_risk"),
    path("registry/", views.registry, name="registry"),
    path("registry/template/<str:kind>.xlsx", views.template_download, name="template"),
    path("classes/", views.classes, name="classes"),
    path("posts/<int:pk>/", views.post, name="post"),
    path("posts/<int:pk>/fill/", views.post_fill, name="post_fill"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("posts/<int:pk>/close/", views.post_close, name="post_close"),
    path("posts/<int:pk>/change/", views.post_change, name="post_change"),
    path("posts/new/", views.post_new, name="post_new"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/place/", views.contract_place, name="contract_place"),
    path("pipeline/break/", views.contract_break, name="contract_break"),
    path("scenarios/", views.scenarios, name="scenarios"),
    path("inputs/curriculum/", views.curriculum, name="curriculum"),
    path("inputs/leave-rates/", views.rates, name="rates"),
    path("inputs/plan/", views.plan, name="plan"),
    path("inputs/plan/first-grade/", views.plan_entry, name="plan_entry"),
    path("inputs/plan/entrants/", views.plan_entrants, name="plan_entrants"),
]
