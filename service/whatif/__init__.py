"""What-if over all of history: replay a draft over every stored intake, in the background.

A job streams stored intakes from the database in batches (constant memory), has them
assessed by worker processes that each compile the draft once, and keeps its progress
and its result in the database, so any worker of the web service can show them.
"""
