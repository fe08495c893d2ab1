"""The CRM's server-rendered pages (htmx for partial updates), one module per area.

A plain package, not an app: its templates live in crm/templates/crm/. Views here
read only through selectors and write only through services; scope and module
permissions are crm/access's.
"""
