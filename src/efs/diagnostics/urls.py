from django.urls import path

from . import views

app_name = "diagnostics"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/<slug:code>/", views.start, name="start"),
    path("attempts/<int:pk>/", views.take, name="take"),
    path("attempts/<int:pk>/finish/", views.finish, name="finish"),
    path("attempts/<int:pk>/result/", views.result, name="result"),
    path("attempts/<int:pk>/result.pdf", views.result_pdf, name="result_pdf"),
    path("people/<int:educator_id>/", views.person, name="person"),
    path("map/", views.deficit_map, name="map"),
    path("bank/", views.bank, name="bank"),
    path("bank/<int:pk>/", views.item, name="item"),
    path("calibration/", views.calibrations, name="calibrations"),
    path("calibration/<int:pk>/", views.calibration, name="calibration"),
]
