"""Business actions of the workflow app."""
