"""Actions on many records at once (the lists' bulk bar): each record goes through
its own single-record service, so the same permission rules and audit rows apply."""
