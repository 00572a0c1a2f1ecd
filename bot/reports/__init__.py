"""Numbers for supervisors: one outcome per conversation, deflection, CSAT, response times, service levels."""
