"""The operator's knowledge: FAQ entries (and later products, service centres, hours) read from YAML."""

from bot.knowledge.errors import KnowledgeError, KnowledgeErrors
from bot.knowledge.faq import FaqEntry, KnowledgeBase, load_knowledge

__all__ = ["FaqEntry", "KnowledgeBase", "KnowledgeError", "KnowledgeErrors", "load_knowledge"]
