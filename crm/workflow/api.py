"""API of the workflow app."""

from ninja import Router

router = Router()
