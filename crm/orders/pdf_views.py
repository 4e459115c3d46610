"""The quote's PDF and its sending by email on its pages: the views, and the buttons on
the quote's page that lead to them (registered with the quote type's other pages)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.registry import Action, TypeView
from crm.core.views.editing import go_to, posted
from crm.orders import pdf, sending
from crm.orders.forms import QuoteEmailForm
from crm.orders.models import Quote


def pdf_view(request, object_type, quote: Quote):
    """The quote as a PDF, shown in the browser."""
    return pdf.inline_response(quote, request.user)


def email_view(request, object_type, quote: Quote):
    """Email the quote with its PDF (GET offers the email, POST queues it), then back to
    its page; a quote not yet approved goes back to its page at once."""
    detail = reverse(object_type.url_name("detail"), args=[quote.pk])
    if not sending.may_send(quote, request.user):
        messages.error(request, _("Only an approved or sent quote can be sent to the customer."))
        return go_to(request, detail)
    form = QuoteEmailForm(posted(request), initial=sending.proposed(quote, request.user))
    if request.method == "POST" and form.is_valid():
        try:
            email = sending.send_quote(quote, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(
                request, _("Quote queued for sending to %(to)s.") % {"to": ", ".join(email.to)}
            )
            return go_to(request, detail)
    context = {"object_type": object_type, "object": quote, "form": form, "cancel_url": detail}
    return render(request, "orders/quote_email.html", context)


ACTIONS = (
    Action(gettext_lazy("Download PDF"), view="pdf", permission="view", method="GET"),
    Action(
        gettext_lazy("Send by email"),
        view="email",
        permission="edit",
        method="GET",
        when=sending.may_send,
    ),
)
VIEWS = (
    TypeView("pdf", pdf_view, record=True, permission="view"),
    TypeView("email", email_view, record=True, permission="edit"),
)
