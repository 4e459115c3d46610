"""Business actions of the messaging app."""
