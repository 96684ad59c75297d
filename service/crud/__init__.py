"""Data-access functions: they add and flush, the request's session commits."""
