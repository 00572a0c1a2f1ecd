"""Web chat: the widget customers open on the vendor's site, a channel like Telegram and SMS.

`/widget.js?key=SITE` (the vendor's script tag) opens `/chat/frame` (served here, in an iframe); the
frame talks to `/chat/api/*` (sessions, messages, buttons, photos, and the SSE event stream). The
conversation is the engine's (channel "web"); this package only carries it. Wiring:
`bot.channels.web.routes.register_webchat(runtime)`. See the README, section "Web chat".
"""
