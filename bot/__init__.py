"""supportbot: a self-hostable after-sales customer-support bot."""

__version__ = "0.1.0"
