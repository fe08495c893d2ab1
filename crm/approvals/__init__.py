"""The one approval engine of the product (审批): tenant-defined flows per kind of
subject, requests and their tasks, delegation, reminders. It knows the kinds of
subject only by name, through crm.approvals.registry (docs/decisions/010)."""
