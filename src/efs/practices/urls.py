from django.urls import include, path

from . import views

app_name = "practices"

urlpatterns = [
    path("network/", include("efs.practices.network.urls")),
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.practice_new, name="practice_new"),
    path("ranking/", views.ranking, name="ranking"),
    path("moderation/", views.moderation, name="moderation"),
    path("leniency/", views.leniency, name="leniency"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("contests/", views.contests, name="contests"),
    path("contests/new/", views.contest_new, name="contest_new"),
    path("contests/<int:pk>/", views.contest, name="contest"),
    path("<int:pk>/", views.practice, name="practice"),
    path("<int:pk>/edit/", views.practice_edit, name="practice_edit"),
    path("<int:pk>/submit/", views.practice_submit, name="practice_submit"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_file, name="evidence_file"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/replicate/", views.replicate, name="replicate"),
    path("<int:pk>/route/", views.practice_to_route, name="practice_to_route"),
]
