"""Account security: sign-in limits and lockouts, the login log, two-factor sign-in
(required for administrators), session lifetimes and "my sessions", the log pages, and
re-authentication before sensitive actions.

Sign-in itself is django-allauth's (by user name, TOTP and recovery codes); the hooks that
make it ours are in `adapters` and `forms`. Views that change something sensitive wrap
themselves in `recent_auth_required`.
"""

from crm.org.security.reauth import recent_auth_required, recently_authenticated

__all__ = ["recent_auth_required", "recently_authenticated"]
