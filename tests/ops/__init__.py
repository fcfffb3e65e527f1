"""Production concerns: metrics, logs, several workers, migrations."""
