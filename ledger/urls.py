"""The finance screens under /ledger/ (names in the ``ledger:`` namespace)."""

from django.urls import path

from . import request_views, views

app_name = "ledger"

urlpatterns = [
    path("accounts/", views.chart, name="chart"),
    path("journal/", views.journal, name="journal"),
    path("entries/new/", views.entry_new, name="entry-new"),
    path("entries/<int:seq>/", views.entry_detail, name="entry"),
    path("entries/<int:seq>/voucher/", views.entry_voucher, name="entry-voucher"),
    path("entries/<int:seq>/reverse/", views.entry_reverse, name="entry-reverse"),
    path("trial-balance/", views.trial_balance, name="trial-balance"),
    path("statement/", views.statement, name="statement"),
    path("book/", views.account_book, name="account-book"),
    path("periods/", views.periods, name="periods"),
    path("periods/<int:pk>/close/", views.period_close, name="period-close"),
    path("requests/", request_views.request_list, name="requests"),
    path("requests/<int:pk>/", request_views.request_detail, name="request"),
    path("requests/<int:pk>/documents/", request_views.request_attach, name="request-attach"),
    path(
        "requests/<int:pk>/documents/<int:attachment_id>/",
        request_views.attachment_download,
        name="request-document",
    ),
    path("requests/<int:pk>/<slug:action>/", request_views.request_decide, name="request-decide"),
]
