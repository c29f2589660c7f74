"""The JSON API's URL composition: each app brings its own API routes, mounted here under /api/.

Apps sit below fundapp (ARCHITECTURE.md), so this is the one place their API modules meet.
"""

from django.urls import include, path, re_path

from common.api import not_found

urlpatterns = [
    path("ledger/", include("ledger.api", namespace="ledger-api")),
    path("approvals/", include("approvals.api", namespace="approvals-api")),
    path("collection/", include("ledger.collection.api.urls", namespace="collection-api")),
    path("payouts/", include("disbursement.api", namespace="payouts-api")),
    # last: any other path under /api/ is the API's JSON 404, never the site's HTML page
    re_path(r"^", not_found, name="api-not-found"),
]
