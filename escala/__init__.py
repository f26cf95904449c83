"""Escala: a tiered help desk."""
