"""URLs of the network part, inside the `practices` namespace (names prefixed by their noun)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.community_list, name="community_list"),
    path("new/", views.community_new, name="community_new"),
    path("c/<int:pk>/", views.community, name="community"),
    path("c/<int:pk>/join/", views.community_join, name="community_join"),
    path("c/<int:pk>/members/<int:member_pk>/decide/", views.member_decide, name="community_member_decide"),
    path("c/<int:pk>/threads/new/", views.thread_new, name="thread_new"),
    path("c/<int:pk>/events/new/", views.event_new, name="event_new"),
    path("c/<int:pk>/courses/new/", views.course_new, name="course_new"),
    path("t/<int:pk>/", views.thread, name="thread"),
    path("t/<int:pk>/reply/", views.thread_reply, name="thread_reply"),
    path("posts/<int:pk>/hide/", views.post_hide, name="thread_post_hide"),
    path("posts/<int:pk>/report/", views.post_report, name="thread_post_report"),
    path("files/<int:pk>/", views.attachment, name="thread_attachment"),
    path("e/<int:pk>/", views.event, name="event"),
    path("e/<int:pk>/register/", views.event_register, name="event_register"),
    path("e/<int:pk>/unregister/", views.event_unregister, name="event_unregister"),
    path("e/<int:pk>/attendance/", views.event_attendance, name="event_attendance"),
    path("e/<int:pk>/evidence/", views.event_evidence, name="event_evidence"),
    path("e/<int:pk>/event.ics", views.event_ics, name="event_ics"),
    path("courses/<int:pk>/", views.course, name="course"),
    path("courses/<int:pk>/modules/new/", views.course_module_new, name="course_module_new"),
    path("courses/<int:pk>/enroll/", views.course_enroll, name="course_enroll"),
    path("courses/<int:pk>/modules/<int:module_pk>/submit/", views.course_submit, name="course_submit"),
    path("courses/<int:pk>/check/", views.course_check, name="course_check"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/tasks/new/", views.project_task_new, name="project_task_new"),
    path("projects/tasks/<int:pk>/done/", views.project_task_done, name="project_task_done"),
    path("projects/<int:pk>/outputs/new/", views.project_output_new, name="project_output_new"),
    path("projects/outputs/<int:pk>/", views.project_output, name="project_output"),
    path("projects/<int:pk>/status/", views.project_status, name="project_status"),
    path("projects/<int:pk>/practices/", views.project_practice_link, name="project_practice_link"),
    path(
        "projects/<int:pk>/practices/<int:practice_pk>/unlink/",
        views.project_practice_unlink,
        name="project_practice_unlink",
    ),
]
