"""Fill the award claims (``approvals/0006_award_claims``) for the awards booked before the
one-award rule: one claim per beneficiary of every final relief case and of every entitlement.

Where a beneficiary already has two awards in the same program and cycle (the double payment
issue 11 reported), one keeps the live claim — the one with a payment under way or made, else
the earlier booked, a case before an entitlement on the same moment — and the other is written
``duplicate``: a payout batch leaves it out, naming why, until someone cancels one of the two.
Every such pair is printed here, never passed over silently.

Historical models only (never today's app code). Reversing empties the table.
"""

import sys

from django.db import migrations

LIVE_PAYMENTS = ("pending", "sent", "paid")


def _candidates(apps):
    Case = apps.get_model("approvals", "Case")
    CaseMember = apps.get_model("approvals", "CaseMember")
    Entitlement = apps.get_model("disbursement", "Entitlement")
    Payment = apps.get_model("disbursement", "Payment")
    paying_cases = set(
        Payment.objects.filter(status__in=LIVE_PAYMENTS, case__isnull=False).values_list(
            "case_id", flat=True
        )
    )
    paying_ents = set(
        Payment.objects.filter(status__in=LIVE_PAYMENTS, entitlement__isnull=False).values_list(
            "entitlement_id", flat=True
        )
    )
    finals = {
        c["id"]: c
        for c in Case.objects.filter(state="final").values(
            "id", "number", "program_id", "cycle", "final_at"
        )
    }
    for person_id, case_id in (
        CaseMember.objects.filter(case_id__in=list(finals))
        .order_by("case_id", "person_id")
        .values_list("person_id", "case_id")
    ):
        c = finals[case_id]
        yield {
            "person_id": person_id,
            "program_id": c["program_id"],
            "cycle": c["cycle"],
            "source": "case",
            "source_id": case_id,
            "label": c["number"],
            "rank": (case_id not in paying_cases, c["final_at"], 0, case_id),
        }
    for e in (
        Entitlement.objects.order_by("id")
        .values("id", "program_id", "cycle__code", "enrolment__person_id", "created_at")
        .iterator(chunk_size=5000)
    ):
        yield {
            "person_id": e["enrolment__person_id"],
            "program_id": e["program_id"],
            "cycle": e["cycle__code"],
            "source": "entitlement",
            "source_id": e["id"],
            "label": e["cycle__code"],
            "rank": (e["id"] not in paying_ents, e["created_at"], 1, e["id"]),
        }


def fill_claims(apps, schema_editor, out=None):
    """Write the claims; print (to ``out``, standard output by default) every duplicate found.
    Returns the duplicates as (person, program, cycle, kept, duplicate) labels."""
    out = out or sys.stdout
    AwardClaim = apps.get_model("approvals", "AwardClaim")
    Person = apps.get_model("approvals", "Person")
    Program = apps.get_model("approvals", "Program")
    done = set(AwardClaim.objects.values_list("source", "source_id", "person_id"))
    groups: dict[tuple, list[dict]] = {}
    for row in _candidates(apps):
        if (row["source"], row["source_id"], row["person_id"]) in done:
            continue
        groups.setdefault((row["person_id"], row["program_id"], row["cycle"]), []).append(row)
    live = set(
        AwardClaim.objects.filter(status="live").values_list("person_id", "program_id", "cycle")
    )
    rows, duplicates = [], []
    for key, found in sorted(groups.items(), key=lambda kv: kv[0]):
        found.sort(key=lambda r: r["rank"])
        for index, row in enumerate(found):
            status = "duplicate" if key in live or index > 0 else "live"
            rows.append(
                AwardClaim(
                    person_id=row["person_id"],
                    program_id=row["program_id"],
                    cycle=row["cycle"],
                    source=row["source"],
                    source_id=row["source_id"],
                    label=row["label"],
                    status=status,
                )
            )
            if status == "duplicate":
                duplicates.append((key, found[0] if index else None, row))
        live.add(key)
    AwardClaim.objects.bulk_create(rows, batch_size=5000)
    if duplicates:
        names = dict(
            Person.objects.filter(pk__in={k[0] for k, _f, _r in duplicates}).values_list(
                "pk", "name"
            )
        )
        codes = dict(Program.objects.values_list("pk", "code"))
        out.write(
            f"\n  award claims: {len(duplicates)} second award(s) of the same person, program "
            "and cycle found; each is left out of payout batches until one of the two is "
            "cancelled:\n"
        )
        report = []
        for (person_id, program_id, cycle), first, row in duplicates:
            kept = f"{first['source']} {first['label']}" if first else "an existing claim"
            line = (
                f"person {person_id} ({names.get(person_id, '?')}), program "
                f"{codes.get(program_id, program_id)}, cycle {cycle}: kept {kept}, duplicate "
                f"{row['source']} {row['label']}"
            )
            out.write(f"    {line}\n")
            report.append(line)
        return report
    return []


def empty_claims(apps, schema_editor):
    apps.get_model("approvals", "AwardClaim").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0006_award_claims"),
        ("disbursement", "0005_view_any_job_permission"),
    ]

    operations = [migrations.RunPython(fill_claims, empty_claims)]
