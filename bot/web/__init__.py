"""The staff web application: the agents' console, the supervisors' numbers and the knowledge-base suggestions."""
