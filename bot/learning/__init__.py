"""A knowledge base that learns: what the bot failed on becomes suggestions a supervisor accepts or rejects.

* `cleaning`: phone numbers, IMEIs, serials, ticket numbers and e-mails out of customers' messages;
* `clustering`: the same question from many people is one suggestion (Chinese by characters, English
  by words; scikit-learn);
* `signals`: the transcript read into signals (not understood, "did you mean", low-confidence
  hand-offs, 👎, an agent's FAQ answer: `agent_used_faq`) and grouped into suggestions;
* `additions`: learned examples and intents as data, put on the files' knowledge base, exported as YAML;
* `evaluation`: the doctor's checks and a before/after cross-validation of staged additions;
* `versions`: decide, check, publish, roll back;
* `live`: the running bot answers with the active version (hot swap; other instances poll);
* `board`: what the suggestions page and `supportbot kb suggestions` show.

The SQL is in bot/storage/suggestions.py; the pages in bot/web/suggestions/.
"""
