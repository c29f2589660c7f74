"""The collection's screens under /collection/ (names in the ``collection:`` namespace)."""

from django.urls import path

from .views import allocations, cash, channels, donations, donors, imports, pledges, receipts

app_name = "collection"

urlpatterns = [
    path("donations/", donations.donations, name="donations"),
    path("donations/new/", donations.donation_new, name="donation-new"),
    path("donations/import/", imports.donation_import, name="donation-import"),
    path("donations/<int:pk>/", donations.donation_detail, name="donation"),
    path("donors/", donors.donors, name="donors"),
    path("donors/new/", donors.donor_new, name="donor-new"),
    path("donors/<int:pk>/edit/", donors.donor_edit, name="donor-edit"),
    path("donors/import/", imports.donor_import, name="donor-import"),
    path("donors/lookup/", donors.donor_lookup, name="donor-lookup"),
    path("receipts/", receipts.receipts, name="receipts"),
    path("receipts/<int:pk>/pdf/", receipts.receipt_pdf, name="receipt-pdf"),
    path("receipts/<int:pk>/void/", receipts.void_request_new, name="void-request-new"),
    path("void-requests/", receipts.void_requests, name="void-requests"),
    path(
        "void-requests/<int:pk>/approve/",
        receipts.void_decide,
        {"decision": "approve"},
        name="void-approve",
    ),
    path(
        "void-requests/<int:pk>/reject/",
        receipts.void_decide,
        {"decision": "reject"},
        name="void-reject",
    ),
    path("pledges/", pledges.pledges, name="pledges"),
    path("pledges/new/", pledges.pledge_new, name="pledge-new"),
    path("pledges/<int:pk>/write-off/", pledges.pledge_write_off, name="pledge-write-off"),
    path("pledges/<int:pk>/reminder.pdf", pledges.pledge_reminder, name="pledge-reminder"),
    path("cash/", cash.cash_held, name="cash-held"),
    path("deposits/", cash.deposits, name="deposits"),
    path("channels/", channels.channel_reconciliation, name="channel-reconciliation"),
    path("channels/settlements/import/", channels.settlement_import, name="settlement-import"),
    path(
        "channels/exceptions/<int:pk>/settle/",
        channels.exception_settle,
        name="channel-exception-settle",
    ),
    path("allocations/", allocations.allocations, name="allocations"),
    path("allocations/new/", allocations.allocation_new, name="allocation-new"),
]
