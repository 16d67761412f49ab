from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("for-me/", views.for_me, name="for_me"),
    path("programs/new/", views.program_edit, name="program_new"),
    path("programs/<int:pk>/", views.program, name="program"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:pk>/cohorts/", views.cohorts, name="cohorts"),
    path("provider/", views.provider, name="provider"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("moderation/", views.moderation, name="moderation"),
    path("coverage/", views.coverage, name="coverage"),
]
