from django.urls import path

from . import views

app_name = "routes"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.route, name="route"),
    path("<int:pk>/iom.pdf", views.route_pdf, name="pdf"),
    path("<int:pk>/items/<int:item_pk>/", views.item_action, name="item"),
    path("<int:pk>/items/<int:item_pk>/alternatives/", views.alternatives, name="alternatives"),
    path("<int:pk>/evidence/<int:evidence_pk>/file", views.evidence_file, name="evidence_file"),
    path("add/<int:cohort_pk>/", views.add_cohort, name="add_cohort"),
    path("tutor/", views.tutor, name="tutor"),
    path("staff/", views.staff, name="staff"),
    path("region/", views.region_plans, name="region_plans"),
    path("forecast/", views.forecast, name="forecast"),
    path("region/<int:pk>/", views.region_plan, name="region_plan"),
]
