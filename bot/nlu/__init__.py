"""Natural-language understanding: normalisation, language detection and intent matching.

`IntentMatcher.from_knowledge(kb)` (bot/nlu/matcher.py) trains at start-up on the knowledge base; `match(text)`
returns ranked candidates with confidences and the answer/clarify/unknown decision. Import the modules
themselves: this package imports nothing, so that `bot.knowledge` can use `bot.nlu.normalize` without
pulling in the matcher (which reads the knowledge base).
"""
