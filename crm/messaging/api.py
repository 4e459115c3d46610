"""API of the messaging app."""

from ninja import Router

router = Router()
