"""The approval pages: the inbox, a request's page, the card a subject's page
includes, delegations, and Settings → Approvals."""
