"""The preset dictionaries (数据字典) every installation starts with, labelled in both languages."""

from django.db import migrations

# code, Chinese name, English name, items as (code, Chinese label, English label).
PRESETS = [
    ("industry", "行业", "Industry", [
        ("manufacturing", "制造业", "Manufacturing"),
        ("wholesale_retail", "批发零售", "Wholesale & retail"),
        ("software_it", "软件和信息技术", "Software & IT"),
        ("construction", "建筑业", "Construction"),
        ("energy", "能源电力", "Energy & utilities"),
        ("transport_logistics", "交通运输和物流", "Transport & logistics"),
        ("finance", "金融", "Finance & insurance"),
        ("real_estate", "房地产", "Real estate"),
        ("healthcare", "医疗卫生", "Healthcare"),
        ("education", "教育", "Education"),
        ("agriculture", "农林牧渔", "Agriculture"),
        ("hospitality", "住宿餐饮", "Hospitality & catering"),
        ("public_sector", "政府及公共事业", "Government & public sector"),
        ("other", "其他", "Other"),
    ]),
    ("customer_category", "客户分类", "Customer category", [
        ("end_customer", "终端客户", "End customer"),
        ("distributor", "经销商", "Distributor"),
        ("agent", "代理商", "Agent"),
        ("system_integrator", "系统集成商", "System integrator"),
        ("partner", "合作伙伴", "Partner"),
        ("individual", "个人客户", "Individual"),
        ("other", "其他", "Other"),
    ]),
    ("customer_level", "客户等级", "Customer level", [
        ("s", "S 战略客户", "S - Strategic account"),
        ("a", "A 重要客户", "A - Key account"),
        ("b", "B 主要客户", "B - Major account"),
        ("c", "C 普通客户", "C - Regular account"),
        ("d", "D 一般客户", "D - Minor account"),
        ("dormant", "休眠客户", "Dormant"),
    ]),
    ("customer_source", "客户来源", "Customer source", [
        ("trade_show", "展会", "Trade show"),
        ("website", "网站", "Website"),
        ("referral", "客户介绍", "Referral"),
        ("telemarketing", "电话营销", "Telemarketing"),
        ("advertising", "广告", "Advertising"),
        ("search_engine", "搜索引擎", "Search engine"),
        ("social_media", "社交媒体", "Social media"),
        ("email_marketing", "邮件营销", "Email marketing"),
        ("partner", "合作伙伴推荐", "Partner referral"),
        ("tender", "招投标", "Public tender"),
        ("cold_visit", "陌生拜访", "Cold visit"),
        ("other", "其他", "Other"),
    ]),
    ("region", "销售区域", "Sales region", [
        ("east", "华东", "East China"),
        ("south", "华南", "South China"),
        ("north", "华北", "North China"),
        ("central", "华中", "Central China"),
        ("southwest", "西南", "Southwest China"),
        ("northwest", "西北", "Northwest China"),
        ("northeast", "东北", "Northeast China"),
        ("hk_macao_taiwan", "港澳台", "Hong Kong, Macao & Taiwan"),
        ("overseas", "海外", "Overseas"),
    ]),
    ("contact_role", "联系人角色", "Contact role", [
        ("decision_maker", "决策者", "Decision maker"),
        ("buyer", "采购", "Buyer"),
        ("user", "使用者", "User"),
        ("influencer", "影响者", "Influencer"),
        ("technical_evaluator", "技术评估", "Technical evaluator"),
        ("other", "其他", "Other"),
    ]),
    ("lost_reason", "丢单原因", "Lost reason", [
        ("price", "价格过高", "Price too high"),
        ("competitor", "输给竞争对手", "Lost to a competitor"),
        ("product_fit", "产品不满足需求", "Product does not fit"),
        ("budget", "预算不足", "No budget"),
        ("delayed", "项目延期或取消", "Project delayed or cancelled"),
        ("relationship", "客户关系不足", "Weak relationship"),
        ("delivery", "交期不满足", "Delivery time not acceptable"),
        ("service", "服务顾虑", "Service concerns"),
        ("no_response", "客户无响应", "No response"),
        ("other", "其他", "Other"),
    ]),
]


def create_presets(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    DictionaryItem = apps.get_model("customization", "DictionaryItem")
    for code, name_zh, name_en, items in PRESETS:
        dictionary, _created = Dictionary.objects.get_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "is_system": True, "version": 1},
        )
        for position, (item_code, label_zh, label_en) in enumerate(items, start=1):
            DictionaryItem.objects.get_or_create(
                dictionary=dictionary, code=item_code,
                defaults={"label_zh": label_zh, "label_en": label_en, "sort_order": position,
                          "version": 1},
            )


def remove_presets(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    Dictionary.objects.filter(code__in=[p[0] for p in PRESETS], is_system=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("customization", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(create_presets, remove_presets),
    ]
