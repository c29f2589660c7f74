"""Staff payout screens, mounted at /payouts/ by fundapp (names in the ``payouts:`` namespace)."""

from django.urls import path

from . import views

app_name = "payouts"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("batches/new/", views.batch_new, name="batch-new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch-approve"),
    path("batches/<int:pk>/discard/", views.batch_discard, name="batch-discard"),
    path("batches/<int:pk>/export/", views.batch_export, name="batch-export"),
    path("batches/<int:pk>/import/", views.batch_import, name="batch-import"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress.json", views.job_progress, name="job-progress"),
    path("late/", views.late, name="late"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/open/", views.cycle_open, name="cycle-open"),
    path("cycles/<int:pk>/generate/", views.cycle_generate, name="cycle-generate"),
    path("cycles/<int:pk>/close/", views.cycle_close, name="cycle-close"),
    path("enrolments/", views.enrolments, name="enrolments"),
    path("enrolments/new/", views.enrolment_new, name="enrolment-new"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment"),
    path("enrolments/<int:pk>/<slug:action>/", views.enrolment_action, name="enrolment-action"),
]
