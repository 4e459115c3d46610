"""Realistic Chinese business vocabulary for the demo company and the benchmark data:
people's names, contacts' job titles with their buying roles, mobile prefixes, roads and
customer tags. One list each, so the demo and the benchmark read alike."""


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢"  # noqa: E501
MALE_GIVEN = _words(
    "伟 强 磊 军 洋 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 志强 建华 "
    "俊杰 晓东 国庆 海涛 文博 子豪 建国 志明 永刚 天宇 浩然 宇航"
)
FEMALE_GIVEN = _words(
    "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 婷 雪 琳 颖 倩 洁 晓燕 秀英 雅琴 欣怡 思琪 梦婷 佳慧 "
    "丽华 雨涵 诗涵 晓红 美玲 淑珍 海燕"
)
# Job title, department, buying role (a code of the contact_role dictionary).
TITLES = [
    ("总经理", "总经办", "decision_maker"),
    ("副总经理", "总经办", "decision_maker"),
    ("采购经理", "采购部", "buyer"),
    ("采购专员", "采购部", "buyer"),
    ("技术总监", "技术部", "technical_evaluator"),
    ("工程师", "技术部", "user"),
    ("财务经理", "财务部", "influencer"),
    ("IT经理", "信息部", "technical_evaluator"),
    ("生产经理", "生产部", "user"),
    ("行政主管", "行政部", "other"),
]
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 155 158 159 177 180 185 186 187 188 189 199"
)
ROADS = _words("科技园路 创业路 中山路 人民路 建设路 工业大道 高新大道 滨海大道 解放路 长江路")
TAGS = ["重点客户", "老客户", "展会线索", "有采购计划", "价格敏感", "需要回访", "战略合作"]
