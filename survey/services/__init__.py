"""Business rules as plain functions. They add and flush, never commit: the caller owns the transaction."""
