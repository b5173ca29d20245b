"""The domain: models, persistence, services and ports. Imports no other room."""
