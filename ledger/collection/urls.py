"""The money-in screens under /collection/ (names in the ``collection:`` namespace)."""

from django.urls import path

from . import views

app_name = "collection"

urlpatterns = [
    path("donations/", views.donations, name="donations"),
    path("donations/new/", views.donation_new, name="donation-new"),
    path("donations/import/", views.donation_import, name="donation-import"),
    path("donations/<int:pk>/", views.donation_detail, name="donation"),
    path("donors/", views.donors, name="donors"),
    path("donors/new/", views.donor_new, name="donor-new"),
    path("donors/import/", views.donor_import, name="donor-import"),
    path("donors/lookup/", views.donor_lookup, name="donor-lookup"),
    path("receipts/", views.receipts, name="receipts"),
    path("receipts/<int:pk>/pdf/", views.receipt_pdf, name="receipt-pdf"),
    path("receipts/<int:pk>/void/", views.void_request_new, name="void-request-new"),
    path("void-requests/", views.void_requests, name="void-requests"),
    path(
        "void-requests/<int:pk>/approve/",
        views.void_decide,
        {"decision": "approve"},
        name="void-approve",
    ),
    path(
        "void-requests/<int:pk>/reject/",
        views.void_decide,
        {"decision": "reject"},
        name="void-reject",
    ),
    path("pledges/", views.pledges, name="pledges"),
    path("pledges/<int:pk>/write-off/", views.pledge_write_off, name="pledge-write-off"),
    path("pledges/<int:pk>/reminder.pdf", views.pledge_reminder, name="pledge-reminder"),
    path("cash/", views.cash_held, name="cash-held"),
    path("deposits/", views.deposits, name="deposits"),
    path("allocations/", views.allocations, name="allocations"),
    path("allocations/new/", views.allocation_new, name="allocation-new"),
]
