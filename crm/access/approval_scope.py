"""Who may see a request for approval (crm.approvals). Kept here, beside record
scope, because this package is the one place that decides what a user sees.

A request is visible to the people taking part in it (its submitter, the
approvers of its tasks, and those the tasks were handed over from) and to
whoever may see its subject, as the subject's kind decides through its own
scoped `get_for_user`. Nobody sees anything of approvals when the admin hid
the module from their role. Outside this, a request is a 404 like any record.
"""

from collections.abc import Callable, Collection
from typing import Any

from crm.access.permissions import may_use_module

MODULE = "approvals"


def may_use_approvals(user: Any) -> bool:
    """Whether `user` may use approvals at all (signed in, active, module not hidden)."""
    return may_use_module(user, MODULE)


def may_see_approval(user: Any, *, participant_ids: Collection[int], subject_visible: Callable[[], bool]) -> bool:
    """Whether `user` may see one request: they take part in it (`participant_ids`),
    or `subject_visible()` says they may see its subject (asked only then: it
    costs a query of the subject's kind)."""
    if not may_use_approvals(user):
        return False
    return user.pk in participant_ids or subject_visible()
