"""What an e-mail address, a URL and a phone number look like: one pattern each,
checked by Python (crm.builder.values) and by PostgreSQL (the CHECK constraints
of crm.builder.ddl), so both say yes and no to the same values. Written in the
common subset of Python's `re` and PostgreSQL's regular expressions."""

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/]+[^\s]*$"
PHONE = r"^[+(]?[0-9][0-9 ().-]{1,38}[0-9]$"

# The name rule of fields and objects (docs/decisions/008, "Names and collisions").
NAME = r"^[a-z][a-z0-9_]{0,39}$"
