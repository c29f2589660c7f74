"""The disbursement permissions each staff role needs (merge into ``fundapp/roles.py``
``ROLE_PERMISSIONS``, as ``approvals/roles.py`` is; the project's roles module owns the groups).

* the finance officer opens cycles, prepares each cycle's annual confirmation (the list of
  continued / new / stopped beneficiaries) and books entitlements once it is approved, builds batches, exports bank
  files and imports bank results, and enrols / suspends / exits / reinstates beneficiaries;
* reviewers sign off (and may stop rows of) the annual confirmation at their tier, in their
  region, and post it on its public notice;
* the finance supervisor approves the cycle after its confirmation's notice (never one they
  prepared: the service and a database constraint refuse it), approves batches (never one they built: the service and a database
  constraint refuse it), reads everything and watches every long job (``view_any_job``: they
  oversee the officers who start them);
* the case worker records suspensions and exits (a death, a move); nobody enrols a beneficiary
  by hand: a final case of the program enrols;
* money paid in error: the officer proposes a recovery, books refunds and draws and records the
  post-payment sample check (never of a batch they built); the supervisor does the same and
  decides recoveries and writes them off (never one they proposed: the services and database
  constraints refuse it);
* the administrator configures bank layouts;
* the auditor reads everything, every long job included.

Everyone sees the jobs they started themselves; ``disbursement.view_any_job`` is for the roles
that oversee the others.
"""

from common.roles import (
    ADMINISTRATOR,
    AUDITOR,
    CASE_WORKER,
    FINANCE_OFFICER,
    FINANCE_SUPERVISOR,
    REVIEWER,
)

_READ = [
    "disbursement.view_enrolment",
    "disbursement.view_enrolmenthistory",
    "disbursement.view_cycle",
    "disbursement.view_entitlement",
    "disbursement.view_payoutbatch",
    "disbursement.view_payment",
    "disbursement.view_banklayout",
    "disbursement.view_exportlog",
    "disbursement.view_bankresultimport",
    "disbursement.view_jobprogress",
    "disbursement.view_recovery",
    "disbursement.view_recoveryrefund",
    "disbursement.view_samplecheck",
    "disbursement.view_samplecheckline",
    "disbursement.view_confirmation",
    "disbursement.view_confirmationrow",
]

DISBURSEMENT_ROLE_PERMISSIONS: dict[str, list[str]] = {
    FINANCE_OFFICER: [
        *_READ,
        "disbursement.manage_enrolment",
        "disbursement.generate_cycle",
        "disbursement.build_payoutbatch",
        "disbursement.export_payoutbatch",
        "disbursement.import_bankresults",
        "disbursement.add_recovery",
        "disbursement.add_recoveryrefund",
        "disbursement.record_samplecheck",
    ],
    FINANCE_SUPERVISOR: [
        *_READ,
        "disbursement.approve_payoutbatch",
        "disbursement.approve_cycle",
        "disbursement.view_any_job",
        "disbursement.add_recovery",
        "disbursement.approve_recovery",
        "disbursement.add_recoveryrefund",
        "disbursement.write_off_recovery",
        "disbursement.record_samplecheck",
    ],
    REVIEWER: [
        "disbursement.view_confirmation",
        "disbursement.view_confirmationrow",
    ],
    CASE_WORKER: [
        "disbursement.view_enrolment",
        "disbursement.view_enrolmenthistory",
        "disbursement.manage_enrolment",
    ],
    ADMINISTRATOR: [
        *_READ,
        "disbursement.add_banklayout",
        "disbursement.change_banklayout",
    ],
    AUDITOR: [*_READ, "disbursement.view_any_job"],
}
