"""Customize (the module builder, docs/decisions/008): per object (the built-in
ones and the tenant's custom objects) its custom fields — add one with the
options of its type, change the label and options, reorder, hide and show,
delete after a confirmation and restore during the grace period — its form
and list layouts, and the custom objects themselves (create, delete, restore).

Everything goes through crm.builder.services, which checks names, limits and
options, makes the columns and writes the audit rows; a refused change comes
back on the form it came from with what was typed.

One module per part: objects (the home page and the custom objects), fields
(one object's custom fields), layouts (its form and list layouts), forms (the
forms they parse input with) and targets (the object or field a page is about).
"""
