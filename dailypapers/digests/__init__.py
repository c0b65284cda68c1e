"""E-mail digests: subscriptions (double opt-in), composition, an outbox drained exactly once per period."""
