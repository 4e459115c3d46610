"""Customers and contacts for the permission matrix: a saved, indexed record per call."""

import itertools

from crm.core import search
from crm.customers.models import Contact, Customer

_counter = itertools.count()


def make_customer(owner, parent):
    n = next(_counter)
    customer = Customer.objects.create(owner=owner, name=f"矩阵客户{n}号", number=f"M{n}")
    search.index(customer)
    return customer


def make_contact(owner, parent):
    n = next(_counter)
    contact = Contact.objects.create(
        owner=owner, customer=parent, name=f"矩阵联系人{n}号", number=f"L{n}"
    )
    search.index(contact)
    return contact
