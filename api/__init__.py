"""The mentorgraph HTTP service (FastAPI) and the `mentorgraph` command line."""
