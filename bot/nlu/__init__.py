"""Natural-language understanding: normalisation, language detection and intent matching.

`IntentMatcher.from_knowledge(kb)` trains at start-up on the knowledge base; `match(text)` returns ranked
candidates with confidences and the answer/clarify/unknown decision. See `bot/nlu/matcher.py`.
"""

from bot.nlu.language import detect_language
from bot.nlu.matcher import Candidate, IntentMatcher, MatchResult
from bot.nlu.normalize import normalize

__all__ = ["Candidate", "IntentMatcher", "MatchResult", "detect_language", "normalize"]
