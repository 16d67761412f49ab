from django.urls import path

from . import views

app_name = "competencies"

urlpatterns = [
    path("", views.frameworks, name="frameworks"),
    path("<int:pk>/", views.framework, name="framework"),
    path("<int:pk>/publish/", views.framework_publish, name="framework_publish"),
]
