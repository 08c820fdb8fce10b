"""Tests of the deployment kit in deploy/: systemd, Prometheus, Grafana."""
