"""Running the site in production: shared state (Redis), health and metrics, logs, doctor, backups."""
