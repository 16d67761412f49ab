from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.index, name="index"),
    path("overview/", views.overview, name="overview"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("consultations/new/", views.consultation_new, name="consultation_new"),
    path("consultations/<int:pk>/", views.consultation, name="consultation"),
    path("consultations/<int:pk>/schedule/", views.consultation_schedule, name="consultation_schedule"),
    path("consultations/<int:pk>/record/", views.consultation_record, name="consultation_record"),
    path("consultations/<int:pk>/cancel/", views.consultation_cancel, name="consultation_cancel"),
    path("consultations/<int:pk>/evidence/", views.consultation_evidence, name="consultation_evidence"),
    path("consultations/<int:pk>/event.ics", views.consultation_ics, name="consultation_ics"),
    path("records/", views.records, name="records"),
    path("records/new/", views.record_new, name="record_new"),
    path("records/<int:pk>/", views.record, name="record"),
    path("records/<int:pk>/share/", views.record_share, name="record_share"),
    path("records/<int:pk>/shares/<int:share_pk>/revoke/", views.record_revoke, name="record_revoke"),
    path("mentoring/", views.mentoring, name="mentoring"),
    path("mentoring/propose/", views.mentoring_propose, name="mentoring_propose"),
    path("mentoring/new/", views.mentorship_create, name="mentorship_create"),
    path("mentoring/<int:pk>/", views.mentorship, name="mentorship"),
    path("mentoring/<int:pk>/decide/", views.mentorship_decide, name="mentorship_decide"),
    path("mentoring/<int:pk>/plan/", views.mentorship_plan, name="mentorship_plan"),
    path("mentoring/<int:pk>/plan/<int:item_pk>/done/", views.mentorship_plan_done, name="mentorship_plan_done"),
    path("mentoring/<int:pk>/meetings/", views.mentorship_meeting, name="mentorship_meeting"),
    path("mentoring/<int:pk>/feedback/", views.mentorship_feedback, name="mentorship_feedback"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", views.cycle, name="cycle"),
    path("cycles/<int:pk>/step/", views.cycle_step, name="cycle_step"),
    path("cycles/<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("caseloads/capacity/", views.caseload_capacity, name="caseload_capacity"),
    path("caseloads/moves/", views.caseload_moves, name="caseload_moves"),
    path("effects/", views.effects, name="effects"),
]
