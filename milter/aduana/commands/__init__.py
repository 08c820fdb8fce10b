"""The administrators' commands besides the daemon: explain, reports, notices to unit heads."""
