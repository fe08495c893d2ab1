"""What other areas add to an account's or a contact's page (deals, activities),
each shown only when the user may use that module."""


def for_account(user, account):
    return {}


def for_contact(user, contact):
    return {}


def for_dashboard(user):
    return {}
