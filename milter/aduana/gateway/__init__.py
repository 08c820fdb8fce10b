"""The milter-side runtime: one session per SMTP connection, the checkpoints that
gather facts before the engine, and what follows a verdict (ledger, notices)."""
