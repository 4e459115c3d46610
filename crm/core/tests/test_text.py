"""Search tokens and mnemonic codes."""

from hypothesis import given
from hypothesis import strategies as st

from crm.core.text import mnemonic, name_tokens, phone_tokens, query_terms


def test_mnemonic_of_chinese_and_latin():
    assert mnemonic("金蝶软件") == "JDRJ"
    assert mnemonic("华为 Huawei 2号") == "HWHUAWEI2H"
    assert mnemonic("") == ""


def test_name_tokens_cover_characters_bigrams_pinyin_and_initials():
    tokens = name_tokens("金蝶软件")
    assert {"金", "金蝶", "蝶软", "软件", "jindieruanjian", "ruanjian", "jdrj", "rj"} <= tokens


def test_phone_tokens_make_every_fragment_a_prefix():
    tokens = phone_tokens("0755-8607 2000")
    assert any(t.startswith("86072") for t in tokens)
    assert any(t.startswith("2000") for t in tokens)


def test_query_terms_split_chinese_into_bigrams():
    assert query_terms("金蝶软件 JDRJ") == ["金蝶", "蝶软", "软件", "jdrj"]
    assert query_terms("  ") == []


@given(st.text())
def test_query_terms_never_fail_and_are_clean(text):
    for term in query_terms(text):
        assert term and "'" not in term and '"' not in term and " " not in term
