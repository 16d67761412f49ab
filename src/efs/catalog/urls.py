from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("for-me/", views.for_me, name="for_me"),
    path("programs/new/", views.program_edit, name="program_new"),
    path("programs/<int:pk>/", views.program, name="program"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:pk>/submit/", views.program_submit, name="program_submit"),
    path("programs/<int:pk>/assign/", views.program_assign, name="program_assign"),
    path("programs/<int:pk>/decide/", views.program_decide, name="program_decide"),
    path("programs/<int:pk>/publish/", views.program_publish, name="program_publish"),
    path("programs/<int:pk>/archive/", views.program_archive, name="program_archive"),
    path("programs/<int:pk>/cohorts/cancel/", views.cohort_cancel, name="cohort_cancel"),
    path("programs/<int:pk>/cohorts/", views.cohorts, name="cohorts"),
    path("provider/", views.provider, name="provider"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("moderation/", views.moderation, name="moderation"),
    path("coverage/", views.coverage, name="coverage"),
]
