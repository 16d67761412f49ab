from django.urls import path

from . import views

app_name = "financing"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("enroll/<int:cohort_pk>/", views.enroll, name="enroll"),
    path("enrollments/<int:pk>/", views.enrollment, name="enrollment"),
    path("provider/", views.provider, name="provider"),
    path("statement/", views.statement, name="statement"),
    path("region/", views.region, name="region"),
    path("federal/", views.federal, name="federal"),
]
