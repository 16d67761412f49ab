from django.urls import include, path, re_path

from . import views

app_name = "coordination"

urlpatterns = [
    path("programs/", include("efs.coordination.programs.urls")),
    path("", views.councils, name="councils"),
    path("councils/<int:pk>/", views.council, name="council"),
    path("councils/<int:pk>/members/", views.members, name="members"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("councils/<int:pk>/groups/", views.groups, name="groups"),
    path("councils/<int:pk>/meetings/", views.meetings, name="meetings"),
    path("councils/<int:pk>/tasks/", views.tasks, name="tasks"),
    path("councils/<int:pk>/risks/", views.risks, name="risks"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("meetings/<int:pk>/minutes/", views.minutes_save, name="minutes_save"),
    path("decisions/<int:pk>/vote/", views.vote, name="vote"),
    path("decisions/<int:pk>/close/", views.decision_close, name="decision_close"),
    path("decisions/<int:pk>/executed/", views.decision_executed, name="decision_executed"),
    path("minutes/<int:pk>/approve/", views.minutes_approve, name="minutes_approve"),
    path("minutes/<int:pk>/correct/", views.minutes_correct, name="minutes_correct"),
    path("minutes/<int:pk>/pdf/", views.minutes_pdf, name="minutes_pdf"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("tasks/<int:pk>/pledges/", views.pledge, name="pledge"),
    path("tasks/<int:pk>/pledges/bulk/", views.pledges_bulk, name="pledges_bulk"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/evidence/publish/", views.task_evidence_publish, name="task_evidence_publish"),
    path("tasks/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("tasks/<int:pk>/status/", views.task_status, name="task_status"),
    path("tasks/<int:pk>/indicators/", views.task_indicator, name="task_indicator"),
    path("tasks/<int:pk>/discussion/", views.task_discuss, name="task_discuss"),
    path("decisions/<int:pk>/discussion/", views.decision_discuss, name="decision_discuss"),
    path("pledges/<int:pk>/answer/", views.pledge_answer, name="pledge_answer"),
    path("milestones/<int:pk>/reached/", views.milestone_reach, name="milestone_reach"),
    re_path(r"^public/(?P<code>[0-9]{2})/$", views.accountability, name="accountability"),
]
