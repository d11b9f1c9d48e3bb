"""Residents' assistant: application core (config, storage, domain services, app assembly)."""
