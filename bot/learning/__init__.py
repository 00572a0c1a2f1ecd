"""A knowledge base that learns: what the bot failed on becomes suggestions a supervisor accepts or rejects."""
