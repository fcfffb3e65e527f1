"""Channel adapters: the only code that speaks a platform's protocol or imports its SDK."""
