"""Fixtures of the workflow tests."""

from crm.workflow.tests.fixtures import org  # noqa: F401  (the approval tests' organisation)
