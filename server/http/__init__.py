"""HTTP handlers: thin adapters from requests to services."""
