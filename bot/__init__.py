"""The conversation: message types, core, handlers, state, i18n, handoff and channel adapters."""
