"""What the MTA deals in: addresses, outcomes and SMTP replies.

A leaf package: it imports nothing else from aduana, so config, policy and the
gateway can all use these value types without depending on each other.
"""
