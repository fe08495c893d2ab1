"""The tenant admin's settings pages: users and seats, teams, module permissions
and masked fields, the customer pool's rules, pipelines and stages.

Every page is the admin's alone (anyone else gets the same 404 as for a page that
does not exist) and changes things only through the services, which validate and
write the audit rows; the API at /api/v1/ calls the same services."""
