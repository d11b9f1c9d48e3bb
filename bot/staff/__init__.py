"""Staff roles (admins from ADMIN_IDS, staff added by them) and the audit log of staff actions."""
