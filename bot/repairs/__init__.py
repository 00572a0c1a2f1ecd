"""A repair's life after the booking: statuses and their rules (`statuses`), what follows each change
(`lifecycle`), what staff do from the CLI, the HTTP API and the agents' chat (`desk`), and the jobs the
scheduler runs for it: notices and reminders (`notices`), promises (`promises`), the survey (`survey`),
all reaching the customer through `outreach`; `services` puts them together for the runtime."""
