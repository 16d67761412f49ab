from django.urls import path

from . import views

app_name = "routes"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.route, name="route"),
    path("<int:pk>/iom.pdf", views.route_pdf, name="pdf"),
    path("<int:pk>/propose/", views.route_propose, name="propose"),
    path("<int:pk>/approve/", views.route_approve, name="approve"),
    path("<int:pk>/return/", views.route_return, name="return"),
    path("<int:pk>/abandon/", views.route_abandon, name="abandon"),
    path("<int:pk>/rebuild/", views.route_rebuild, name="rebuild"),
    path("<int:pk>/limits/", views.route_limits, name="limits"),
    path("<int:pk>/rediagnose/", views.route_rediagnose, name="rediagnose"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("<int:pk>/items/<int:item_pk>/start/", views.item_start, name="item_start"),
    path("<int:pk>/items/<int:item_pk>/evidence/", views.item_evidence, name="item_evidence"),
    path("<int:pk>/items/<int:item_pk>/evidence/accept/", views.evidence_accept, name="evidence_accept"),
    path("<int:pk>/items/<int:item_pk>/evidence/return/", views.evidence_return, name="evidence_return"),
    path("<int:pk>/items/<int:item_pk>/swap/", views.item_swap, name="item_swap"),
    path("<int:pk>/items/<int:item_pk>/alternatives/", views.alternatives, name="alternatives"),
    path("<int:pk>/evidence/<int:evidence_pk>/file", views.evidence_file, name="evidence_file"),
    path("add/<int:cohort_pk>/", views.add_cohort, name="add_cohort"),
    path("tutor/", views.tutor, name="tutor"),
    path("staff/", views.staff, name="staff"),
    path("region/", views.region_plans, name="region_plans"),
    path("forecast/", views.forecast, name="forecast"),
    path("region/<int:pk>/", views.region_plan, name="region_plan"),
]
