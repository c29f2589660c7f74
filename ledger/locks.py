"""The books lock, and the one order in which every service takes its locks.

``lock_head()`` locks the single ``ChainHead`` row. Every posting takes it (the hash chain needs
postings in one line anyway), and so does every service of any app that checks money and then
books or commits it (an award, a payout batch, a bank result, a donation's receipt), so a check
and the write it allows cannot be overtaken by another posting in between.

The global lock order, in every app (Oscar's rule: one order everywhere, so no two transactions
can wait for each other):

1. the chain head, ``lock_head()``, first;
2. then fund and account rows, if a service locks any, sorted by primary key;
3. then the domain rows (a case, a batch, a receipt, a cycle...), sorted by primary key when a
   service locks several of one kind.

A service that needs the head takes it before anything else, even a row it only means to read
under lock: taking it later, while holding a domain row, could deadlock with a posting that holds
the head and waits for that row.
"""

from __future__ import annotations

from .models import ChainHead


def lock_head() -> ChainHead:
    """Lock the chain head (``select_for_update``), creating it on first use; return it.

    Call inside the operation's ``transaction.atomic()``: the lock is held until it ends.
    """
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


__all__ = ["lock_head"]
