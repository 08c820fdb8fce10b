"""Configuration: schema, loading with located errors, and reply templates."""
