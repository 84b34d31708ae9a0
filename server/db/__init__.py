"""Database: models, engine setup, queries and migrations."""
