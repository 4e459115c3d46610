"""The sample document's part of the platform's test worlds: its permission matrix factory
and a preset-role default for its own action (reopen)."""

import itertools

from crm.core import contributions, search
from crm.core.testing.sample.models import SampleDocument

_counter = itertools.count()


def make_document(owner, parent):
    n = next(_counter)
    document = SampleDocument.objects.create(
        owner=owner, name=f"矩阵申请{n}号", number=f"D{n}", amount=100
    )
    search.index(document)
    return document


contributions.add_matrix_factory(contributions.MatrixFactory("sampledocument", make_document))
contributions.add_preset_default(
    contributions.PresetDefault("admin", "sampledocument", adds=("reopen",))
)
