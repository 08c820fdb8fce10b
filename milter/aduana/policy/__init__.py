"""Pure policy rules and the engine that runs them."""

from aduana.policy.engine import decide

__all__ = ["decide"]
