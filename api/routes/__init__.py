"""HTTP routes, one module per resource or channel."""
