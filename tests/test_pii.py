"""Personal-data detectors: check digits, formats, masking and overlaps."""

from __future__ import annotations

import pytest

from commlog.core.pii import (
    find_bank_cards,
    find_emails,
    find_id_cards,
    find_mobiles,
    find_pii,
    id_card_check_char,
    is_valid_id_card,
    luhn_valid,
    mask,
)

# A published sample number with the check character X, and one built here.
ID_WITH_X = "11010519491231002X"
ID_DIGITS = "44030419900307" + "123" + id_card_check_char("44030419900307123")


def with_wrong_check(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def test_id_card_check_char_x():
    assert id_card_check_char(ID_WITH_X[:17]) == "X"


@pytest.mark.parametrize("number", [ID_WITH_X, ID_WITH_X.lower(), ID_DIGITS])
def test_id_card_valid(number):
    assert is_valid_id_card(number)


def test_id_card_wrong_check_digit():
    assert not is_valid_id_card(with_wrong_check(ID_DIGITS))


def test_id_card_impossible_birth_date():
    first17 = "44030419900230123"  # 30 February
    assert not is_valid_id_card(first17 + id_card_check_char(first17))


def test_id_card_found_in_text_masked():
    found = find_id_cards(f"身份证号{ID_DIGITS},请核对")
    assert len(found) == 1
    assert found[0].masked.startswith("440")
    assert ID_DIGITS not in found[0].masked
    assert "*" in found[0].masked


def test_id_card_inside_longer_number_ignored():
    assert find_id_cards("9" + ID_DIGITS) == []


@pytest.mark.parametrize("number", ["4111111111111111", "6222021234567890128", "5500005555555559"])
def test_luhn_valid(number):
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4111111111111112", "6222021234567890123"])
def test_luhn_invalid(number):
    assert not luhn_valid(number)


def test_bank_card_grouped_found():
    found = find_bank_cards("卡号 4111 1111 1111 1111 已停用")
    assert [item.masked for item in found] == ["4111**********11"]


def test_bank_card_failing_luhn_ignored():
    assert find_bank_cards("订单号 4111111111111112") == []


@pytest.mark.parametrize("text", ["13812345678", "+86 138 1234 5678", "电话:138-1234-5678。", "8613812345678"])
def test_mobile_found(text):
    found = find_mobiles(text)
    assert [item.masked for item in found] == ["138******78"]


@pytest.mark.parametrize("text", ["12812345678", "138123456789", "单号 2013812345678", "1381234567"])
def test_mobile_not_found(text):
    assert find_mobiles(text) == []


def test_email_found_masked():
    found = find_emails("请联系 wang.lei@corp.cn")
    assert [item.masked for item in found] == ["w*******@corp.cn"]


def test_email_allowed_domain_and_subdomain():
    assert find_emails("a@example.com b@mail.example.com", ["example.com"]) == []


def test_email_other_domain_not_allowed():
    assert len(find_emails("a@example.org", ["example.com"])) == 1


def test_overlap_mobile_email_reported_once():
    found = find_pii("13812345678@163.com", ["mobile", "email"])
    assert [item.detector for item in found] == ["email"]


def test_id_card_not_also_bank_card():
    candidates = (f"44030419900307{serial:03d}" for serial in range(1000))
    numbers = (first17 + id_card_check_char(first17) for first17 in candidates)
    luhn_id = next(number for number in numbers if number.isdigit() and luhn_valid(number))
    found = find_pii(luhn_id, ["id_card", "bank_card"])
    assert [item.detector for item in found] == ["id_card"]


def test_detectors_limit_results():
    assert find_pii("13812345678 a@corp.cn", ["email"])[0].detector == "email"


@pytest.mark.parametrize("value", ["ab", "abc", "13812345678"])
def test_mask_hides_at_least_half(value):
    masked = mask(value, 3, 2)
    assert masked.count("*") >= len(value) / 2
