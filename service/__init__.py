"""mentormatch service: the FastAPI application around the matching library."""
