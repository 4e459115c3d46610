"""The demo company's announcements (公告): one to everyone, one to the sales departments."""

from __future__ import annotations

from crm.core.contributions import DemoContext
from crm.messaging.models import Announcement
from crm.messaging.services import publish_announcement
from crm.org.models import OrgUnit

# title, text, names of the departments it is for (none: everyone)
ANNOUNCEMENTS = (
    (
        "关于启用 CRM 系统的通知",
        "各部门同事：\n公司 CRM 系统即日起正式启用，客户、联系人与审批请统一在系统中处理。"
        "右上角铃铛可查看待办与消息，如有问题请联系信息部。",
        (),
    ),
    (
        "第四季度销售冲刺安排",
        "请各销售部门于本月 25 日前更新商机阶段与预计成交日期；"
        "信用额度超过 10 万元的调整需经销售经理和销售总监审批。",
        ("销售一部", "销售二部"),
    ),
)


def load(demo: DemoContext) -> None:
    """Publish the announcements that are not there yet."""
    existing = set(Announcement.objects.values_list("title", flat=True))
    for title, body, departments in ANNOUNCEMENTS:
        if title in existing:
            continue
        ids = list(OrgUnit.objects.filter(name__in=departments).values_list("pk", flat=True))
        publish_announcement(
            Announcement(title=title, body=body, department_ids=ids), actor=demo.admin
        )
        demo.created("announcements")
