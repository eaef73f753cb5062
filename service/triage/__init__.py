"""Triage: the intake, its assessment against the active ruleset, the outcome."""
