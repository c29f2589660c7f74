"""URL composition: each app brings its own URL modules; this is the only place they meet."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("fundapp.api_urls")),
    path("ledger/", include("ledger.urls")),
    path("cases/", include("approvals.urls")),
    path("collection/", include("ledger.collection.urls")),
    path("payouts/", include("disbursement.urls")),
    path("public/", include("fundapp.public_urls")),
    path("", include("fundapp.site_urls")),
]
