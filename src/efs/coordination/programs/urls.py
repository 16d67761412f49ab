"""Pages of the programs part, under /coordination/programs/ (URL names `program_*`, `macroregion_*`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("<int:pk>/", views.program_detail, name="program_detail"),
    path("<int:pk>/versions/new/", views.program_version_new, name="program_version_new"),
    path("<int:pk>/discussion/", views.program_discuss, name="program_discuss"),
    path("versions/<int:pk>/items/", views.program_item_add, name="program_item_add"),
    path("versions/<int:pk>/items/remove/", views.program_item_remove, name="program_item_remove"),
    path("versions/<int:pk>/submit/", views.program_submit, name="program_submit"),
    path("versions/<int:pk>/experts/", views.program_experts, name="program_experts"),
    path("versions/<int:pk>/decision/", views.program_decide, name="program_decide"),
    path("reviews/<int:pk>/", views.program_review, name="program_review"),
    path("template/", views.program_template, name="program_template"),
    path("compare/", views.program_compare, name="program_compare"),
    path("macroregions/", views.macroregion_list, name="macroregion_list"),
    path("macroregions/<int:pk>/", views.macroregion_detail, name="macroregion_detail"),
    path("macroregions/<int:pk>/projects/", views.macroregion_project_new, name="macroregion_project_new"),
    path("macroregion-projects/<int:pk>/goals/", views.macroregion_goal_add, name="macroregion_goal_add"),
    path("macroregion-goals/<int:pk>/tasks/", views.macroregion_task_add, name="macroregion_task_add"),
]
