"""Readers that turn files (ESCO CSV, company frameworks, people, ...) into plain models."""
