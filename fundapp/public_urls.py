"""Every public page (no login) under /public/, in the ``public`` namespace."""

from django.urls import include, path

app_name = "public"

urlpatterns = [
    path("", include("ledger.collection.public_urls")),
    path("", include("approvals.public_urls")),
    path("", include("disbursement.public_urls")),
]
