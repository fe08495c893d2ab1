"""Typeahead pickers: wherever a form chooses an account, contact, deal or lead,
the user types and picks from what the scoped search answers (views.py),
instead of a <select> listing every record they may see (fields.py)."""
