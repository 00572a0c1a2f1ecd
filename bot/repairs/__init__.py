"""A repair's life after the booking: statuses and their rules (`statuses`), what follows each change
(`lifecycle`), what staff do from the CLI, the HTTP API and the agents' chat (`desk`), and the jobs the
scheduler runs for it: notices, reminders, promises, the survey (`jobs`)."""
