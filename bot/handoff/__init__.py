"""Human hand-off: the escalation queue, agents' operations, delivery to customers, office hours."""
