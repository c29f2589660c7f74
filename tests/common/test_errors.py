"""The error catalogue: one code, one status, across every app."""

import pytest

import approvals.exceptions
import disbursement.exceptions
import ledger.collection.exceptions
import ledger.exceptions  # noqa: F401  (imported for its subclasses)
from common.errors import CATALOGUE, FundError, NotAllowed, status_for


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_error_class_names_a_catalogued_code_and_takes_its_status():
    classes = list(_all_subclasses(FundError))
    assert len(classes) > 40
    for cls in classes:
        assert cls.code in CATALOGUE, cls
        assert cls.status == CATALOGUE[cls.code], cls


def test_a_code_outside_the_catalogue_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="not in the catalogue"):
        type("Stray", (FundError,), {"code": "no_such_code"})


def test_a_status_that_disagrees_with_the_catalogue_is_refused():
    with pytest.raises(TypeError, match="disagrees"):
        type("Wrong", (FundError,), {"code": "period_closed", "status": 400})


def test_status_for_a_recorded_code():
    # given the codes a failed job records, when the page asks for the status, then:
    assert status_for("insufficient_funds") == 409
    assert status_for("export_file_unavailable") == 404
    assert status_for("no_such_code") == 400
    assert status_for(None) == 400


def test_each_apps_not_allowed_is_the_shared_one_and_its_own_base():
    assert issubclass(approvals.exceptions.NotAllowed, NotAllowed)
    assert issubclass(approvals.exceptions.NotAllowed, approvals.exceptions.ApprovalsError)
    assert issubclass(disbursement.exceptions.NotAllowed, NotAllowed)
    assert issubclass(disbursement.exceptions.NotAllowed, disbursement.exceptions.DisbursementError)
    assert ledger.collection.exceptions.ImportRefused.status == 400
    assert ledger.collection.exceptions.InsufficientCash.status == 409
