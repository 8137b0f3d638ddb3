"""Vendor-neutral infrastructure: settings, database, clock, ids, migrations and the control API."""
