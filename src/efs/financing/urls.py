from django.urls import path

from . import views

app_name = "financing"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("enroll/<int:cohort_pk>/", views.enroll, name="enroll"),
    path("enrollments/<int:pk>/", views.enrollment, name="enrollment"),
    path("enrollments/<int:pk>/cancel/", views.enrollment_cancel, name="enrollment_cancel"),
    path("enrollments/<int:pk>/accept/", views.enrollment_accept, name="enrollment_accept"),
    path("enrollments/<int:pk>/decline/", views.enrollment_decline, name="enrollment_decline"),
    path("enrollments/<int:pk>/completed/", views.enrollment_completed, name="enrollment_completed"),
    path("enrollments/<int:pk>/not-completed/", views.enrollment_not_completed, name="enrollment_not_completed"),
    path("provider/", views.provider, name="provider"),
    path("provider/cohorts/<int:cohort_pk>/outcomes/", views.cohort_outcomes, name="cohort_outcomes"),
    path("statement/", views.statement, name="statement"),
    path("region/", views.region, name="region"),
    path("region/top-up/", views.fund_top_up, name="top_up"),
    path("region/top-up/<int:pk>/reverse/", views.fund_top_up_reverse, name="top_up_reverse"),
    path("region/rule/", views.rule_save, name="rule"),
    path("region/issue/", views.certificates_issue, name="issue"),
    path("region/contract/", views.contract_register, name="contract"),
    path("region/payment/", views.payment_register, name="payment"),
    path("region/close/", views.year_close, name="close"),
    path("federal/", views.federal, name="federal"),
]
