"""The sign-in backend: allauth's, with the signed-in user read together with their
employee record and department (data scopes and shares need both on most requests)."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("employee__department")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
