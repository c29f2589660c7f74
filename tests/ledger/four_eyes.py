"""Four eyes for tests of the ledger's engine: a maker and a different approver (two test users)
and a reason, as an approved entry request passes them to ``journal_reverse`` (an entry made by
hand is reversed only with them). Screens and API tests go through the requests themselves."""

from django.contrib.auth import get_user_model


def four_eyes(reason: str = "test correction") -> dict:
    users = get_user_model().objects
    maker, _ = users.get_or_create(username="four-eyes-maker")
    checker, _ = users.get_or_create(username="four-eyes-checker")
    return {"made_by_id": maker.pk, "approved_by_id": checker.pk, "reason": reason}
