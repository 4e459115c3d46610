"""Database lookups the platform needs."""

from django.db.models import Field, Lookup


@Field.register_lookup
class InSubquery(Lookup):
    """`pk__in_subquery=queryset`: on PostgreSQL `= ANY(ARRAY(subquery))`, which the planner
    evaluates once and combines with index scans inside an OR; elsewhere a plain IN.

    Measured with a salesperson's scoped list at 100k customers: 88 ms with `IN (subquery)`
    inside the access filter's OR, 0.6 ms with `= ANY(ARRAY(...))`.
    """

    lookup_name = "in_subquery"

    def get_prep_lookup(self):
        return self.rhs

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)
