"""The directory: who is behind an address or a login."""
