"""The ticket states (SPEC 3), apart from the models so that reading the queue
(`list --mine`) does not build them."""

STATUSES = ("new", "assigned", "in_progress", "waiting", "resolved", "closed")
OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting")
PHASES = ("respond", "accept", "restore", "close")     # the SLA clocks (S1)
