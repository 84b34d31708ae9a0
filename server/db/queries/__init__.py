"""Queries: keyword-only functions over an AsyncSession; they never commit (services own transactions)."""
