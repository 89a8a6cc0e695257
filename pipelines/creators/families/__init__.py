"""Procedural creator families, one module per domain (each exports ``FAMILIES``)."""
