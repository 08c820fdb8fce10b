"""The pymilter adapter and aduana's single error boundary."""
