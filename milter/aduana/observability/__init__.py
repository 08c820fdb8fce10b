"""Metrics, logging and the audit trail."""
