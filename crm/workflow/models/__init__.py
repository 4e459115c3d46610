"""Models of the workflow app: approval processes and their runs; alert rules."""

from crm.workflow.models.alerts import AlertHit, AlertRule, AlertSchedule  # noqa: F401
from crm.workflow.models.approvals import (  # noqa: F401
    ApprovalAction,
    ApprovalProcess,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
    ApproverKind,
    HistoryAction,
    RequestState,
    StepMode,
    TaskState,
)
