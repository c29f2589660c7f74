"""The collection's API routes, included by fundapp/api_urls.py under /api/collection/ (namespace
"collection-api")."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .allocations import AllocationViewSet
from .cash import CashDepositViewSet, CashHeldView
from .donations import DonationViewSet
from .donors import DonorViewSet
from .pledges import PledgeReminderView, PledgeViewSet
from .receipts import ReceiptViewSet, VoidRequestViewSet

router = SimpleRouter()
router.register("donors", DonorViewSet, basename="donor")
router.register("donations", DonationViewSet, basename="donation")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("void-requests", VoidRequestViewSet, basename="void-request")
router.register("cash-deposits", CashDepositViewSet, basename="cash-deposit")
router.register("pledges", PledgeViewSet, basename="pledge")

app_name = "collection-api"
urlpatterns = [
    path("cash-held/", CashHeldView.as_view(), name="cash-held"),
    path(
        "pledges/<int:pk>/reminder.pdf",
        PledgeReminderView.as_view(),
        name="pledge-reminder-pdf",
    ),
    path("", include(router.urls)),
]
