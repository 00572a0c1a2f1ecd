"""Staff accounts: console users and their roles, passwords, sessions, invitations and the audit log."""
