"""Staff relief-case screens, mounted at /cases/ by fundapp."""

from django.urls import path

from . import bankaccount_views, correction_views, views

app_name = "approvals"

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("<int:pk>/acknowledgement/", views.case_acknowledgement, name="case-acknowledgement"),
    path(
        "<int:pk>/acknowledgement/reissue/",
        views.case_lookup_code_reissue,
        name="case-lookup-code-reissue",
    ),
    path("<int:pk>/<slug:action>/", views.case_action, name="case-action"),
    path("households/", views.households, name="households"),
    path("households/new/", views.household_new, name="household-new"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", correction_views.household_edit, name="household-edit"),
    path("households/<int:pk>/people/new/", correction_views.member_add, name="member-add"),
    path(
        "households/<int:pk>/people/<int:person_id>/edit/",
        correction_views.person_edit,
        name="person-edit",
    ),
    path(
        "households/<int:pk>/people/<int:person_id>/remove/",
        correction_views.member_remove,
        name="member-remove",
    ),
    path(
        "households/<int:pk>/people/<int:person_id>/status/",
        views.person_status,
        name="person-status",
    ),
    path(
        "households/<int:pk>/bank-account/",
        bankaccount_views.bank_account_edit,
        name="household-bank-account",
    ),
    path(
        "bank-account-changes/",
        bankaccount_views.bank_account_changes,
        name="bank-account-changes",
    ),
    path(
        "bank-account-changes/<int:pk>/<slug:decision>/",
        bankaccount_views.bank_account_decide,
        name="bank-account-decide",
    ),
    path("notices/publish/", views.notice_publish, name="notice-publish"),
    path("objections/", views.objections, name="objections"),
    path("objections/<int:pk>/", views.objection_detail, name="objection"),
]
