"""Web chat: the widget customers open on the vendor's site, a channel like Telegram and SMS."""
