"""Item rules by kind; importing this package registers every kind."""

from grader.items import multi, single, tkp, truefalse
from grader.items.base import ItemRule, kinds, register, rule_for

__all__ = ["ItemRule", "kinds", "multi", "register", "rule_for", "single", "tkp", "truefalse"]
