"""Only a Danish mobile number is offered a link by SMS."""

import pytest

from app.outcomes.sms import danish_mobile


@pytest.mark.parametrize(
    ("number", "texted"),
    [
        ("+4520123456", "+4520123456"),
        ("0045 31 23 45 67", "+4531234567"),
        ("42 12 34 56", "+4542123456"),
        ("+4593123456", "+4593123456"),
        ("+4543591000", None),  # a landline (the town hall's main number)
        ("+4570101155", None),  # a 70 service number
        ("+46701234567", None),  # a Swedish mobile
        ("anonymous", None),  # withheld
        ("", None),
        (None, None),
    ],
)
def test_danish_mobiles_take_an_sms_and_nothing_else_does(number, texted):
    assert danish_mobile(number) == texted
