"""The roles of API.md ("Conventions"), as plain names: deciders and guards both use them."""

from __future__ import annotations

ADMIN, COORDINATOR, VOLUNTEER, AUDITOR = "admin", "coordinator", "volunteer", "auditor"
ROLES = (ADMIN, COORDINATOR, VOLUNTEER, AUDITOR)
STAFF = (ADMIN, COORDINATOR)
"""Who manages volunteers and sites (a coordinator only for its own sites)."""
EVERYONE = ROLES
"""The routes API.md marks "all"."""
