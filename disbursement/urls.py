"""Staff payout screens, mounted at /payouts/ by fundapp (names in the ``payouts:`` namespace)."""

from django.urls import path

from .views import (
    bankfiles,
    batches,
    confirmations,
    cycles,
    enrolments,
    jobs,
    late,
    recoveries,
)

app_name = "payouts"

urlpatterns = [
    path("", batches.batch_list, name="batches"),
    path("batches/new/", batches.batch_new, name="batch-new"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch"),
    path("batches/<int:pk>/approve/", batches.batch_approve, name="batch-approve"),
    path("batches/<int:pk>/discard/", batches.batch_discard, name="batch-discard"),
    path("batches/<int:pk>/export/", bankfiles.batch_export, name="batch-export"),
    path("batches/<int:pk>/import/", bankfiles.batch_import, name="batch-import"),
    path("batches/<int:pk>/sample-check/", recoveries.sample_check, name="sample-check"),
    path("recoveries/", recoveries.recovery_list, name="recoveries"),
    path("recoveries/new/", recoveries.recovery_new, name="recovery-new"),
    path("recoveries/<int:pk>/", recoveries.recovery_detail, name="recovery"),
    path(
        "recoveries/<int:pk>/decide/<slug:decision>/",
        recoveries.recovery_decide,
        name="recovery-decide",
    ),
    path("recoveries/<int:pk>/refund/", recoveries.recovery_refund, name="recovery-refund"),
    path(
        "recoveries/<int:pk>/write-off/", recoveries.recovery_write_off, name="recovery-write-off"
    ),
    path("exports/<int:pk>/download/", bankfiles.export_download, name="export-download"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("jobs/<int:pk>/progress.json", jobs.job_progress, name="job-progress"),
    path("jobs/<int:pk>/retry/", jobs.job_retry, name="job-retry"),
    path("late/", late.late_report, name="late"),
    path("cycles/", cycles.cycle_list, name="cycles"),
    path("cycles/open/", cycles.cycle_open, name="cycle-open"),
    path("cycles/<int:pk>/generate/", cycles.cycle_generate, name="cycle-generate"),
    path("cycles/<int:pk>/close/", cycles.cycle_close, name="cycle-close"),
    path("confirmations/", confirmations.confirmation_list, name="confirmations"),
    path("confirmations/prepare/", confirmations.confirmation_prepare, name="confirmation-prepare"),
    path("confirmations/<int:pk>/", confirmations.confirmation_detail, name="confirmation"),
    path(
        "confirmations/<int:pk>/tier-notice/",
        confirmations.confirmation_tier_notice,
        name="confirmation-tier-notice",
    ),
    path(
        "confirmations/<int:pk>/rows/<int:row_id>/decide/",
        confirmations.confirmation_row_decide,
        name="confirmation-row-decide",
    ),
    path(
        "confirmations/objections/",
        confirmations.objection_list,
        name="confirmation-objections",
    ),
    path(
        "confirmations/objections/<int:pk>/",
        confirmations.objection_detail,
        name="confirmation-objection",
    ),
    path(
        "confirmations/<int:pk>/rows/<int:row_id>/stop/",
        confirmations.confirmation_row_stop,
        name="confirmation-row-stop",
    ),
    path(
        "confirmations/<int:pk>/signoff/",
        confirmations.confirmation_signoff,
        name="confirmation-signoff",
    ),
    path(
        "confirmations/<int:pk>/publish/",
        confirmations.confirmation_publish,
        name="confirmation-publish",
    ),
    path(
        "confirmations/<int:pk>/approve/",
        confirmations.confirmation_approve,
        name="confirmation-approve",
    ),
    path("enrolments/", enrolments.enrolment_list, name="enrolments"),
    path("enrolments/<int:pk>/", enrolments.enrolment_detail, name="enrolment"),
    path(
        "enrolments/<int:pk>/<slug:action>/", enrolments.enrolment_action, name="enrolment-action"
    ),
]
