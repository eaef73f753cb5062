"""Follow-up: weekly check-ins on a result, re-triaged by the published rules, and a plan
that progresses week by week from what the person managed.

Kept free of imports here: service.triage.intake reads `facts` while it is itself loading.
"""
