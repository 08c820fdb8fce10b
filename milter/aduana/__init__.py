"""aduana: a mail-gateway policy filter for public institutions."""

__version__ = "0.1.0"
