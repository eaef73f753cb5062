"""What is kept: models, database set-up, triage records, privacy, audit log."""
