"""Every public page (no login) under /public/, in the ``public`` namespace."""

from django.urls import include, path

from . import public_views

app_name = "public"

urlpatterns = [
    path("verify-pdf/", public_views.verify_pdf, name="verify-pdf"),
    path("checkpoints/", public_views.checkpoints, name="checkpoints"),
    path(
        "signing-certificate.pem",
        public_views.signing_certificate,
        name="signing-certificate",
    ),
    path("", public_views.public_index, name="index"),
    path("receipt-check/", public_views.receipt_check, name="receipt-check"),
    path("", include("ledger.collection.public_urls")),
    path("", include("approvals.public_urls")),
    path("", include("disbursement.public_urls")),
]
