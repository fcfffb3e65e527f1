"""The HTTP face and composition root: settings, FastAPI app, webhooks, admin routes and the CLI."""
