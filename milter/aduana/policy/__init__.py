"""Pure policy rules and the engine that runs them (``aduana.policy.engine.decide``)."""
