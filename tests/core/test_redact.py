import pytest

from app.core.redact import is_cpr, redact


@pytest.mark.parametrize(
    ("said", "stored"),
    [
        ("mit cpr er 1203851234", "mit cpr er [CPR]"),
        ("mit cpr er 120385-1234", "mit cpr er [CPR]"),
        ("mit cpr er 12 03 85 12 34", "mit cpr er [CPR]"),
        ("cpr 120385 1234 tak", "cpr [CPR] tak"),
        ("29 02 96 1234", "[CPR]"),  # a leap day is a date
        ("et to nul tre otte fem et to tre fire", "[CPR]"),
        ("tolv nul tre femogfirs tolv fireogtredive", "[CPR]"),
        (
            "mit nummer er tolv nul tre otte fem et to tre fire og jeg skal flytte",
            "mit nummer er [CPR] og jeg skal flytte",
        ),
        ("ring på 12345678", "ring på [telefon]"),
        ("ring på 12 34 56 78", "ring på [telefon]"),
        ("ring på +45 12 34 56 78", "ring på [telefon]"),
        ("ring på fire fem to tre et to tre fire", "ring på [telefon]"),
        ("skriv til peter.hansen@example.dk", "skriv til [e-mail]"),
        ("skriv til peter snabel a gmail punktum com", "skriv til [e-mail]"),
    ],
)
def test_personal_numbers_are_masked(said, stored):
    assert redact(said) == stored


@pytest.mark.parametrize(
    ("said", "stored"),
    [
        ("cpr 010203\u20111234", "cpr [CPR]"),  # non-breaking hyphen
        ("cpr 010203\u20131234", "cpr [CPR]"),  # en dash
        ("cpr 010203\u22121234", "cpr [CPR]"),  # minus sign
        ("cpr 010203\u00a01234", "cpr [CPR]"),  # non-breaking space
        ("cpr 0102\u200b031234", "cpr [CPR]"),  # zero-width space inside
        ("cpr ０１０２０３１２３４", "cpr [CPR]"),  # full-width digits
        ("cpr0102031234", "cpr[CPR]"),  # glued to letters before
        ("0102031234abc", "[CPR]abc"),  # and after
        ("ring 12\u00a034\u00a056\u00a078", "ring [telefon]"),
        ("et  to  nul  tre  otte  fem  et  to  tre  fire", "[CPR]"),  # double spaces
        ("12  03  85  12  34", "[CPR]"),
        ("tlf:12345678.", "tlf:[telefon]."),
    ],
)
def test_disguised_numbers_are_masked_too(said, stored):
    assert redact(said) == stored


@pytest.mark.parametrize(
    "said",
    [
        "sagsnummer 3213851234",  # ten digits, but the 32nd is no date
        "sagsnummer 1213851234",  # month 13
        "3002961234",  # 30 February
        "det koster 1.295 kroner",
        "huset kostede 12.500.000",
        "jeg har to børn og et hus",  # number words in ordinary speech
        "jeg skal forny mit kørekort",
        "postnummer 2630",
        "mødet er 2026-11-26 klokken 10",  # an ISO date is not a phone number
        "started 2026-11-26T10:00:00.123456+00:00",
    ],
)
def test_look_alikes_are_left_alone(said):
    assert redact(said) == said


def test_cpr_date_rules():
    assert is_cpr("3112991234")
    assert not is_cpr("0000001234")
    assert not is_cpr("123")


FORMS = [
    # CPR numbers, as they are typed, read out and transcribed
    ("cpr 010203-1234", "[CPR]"),
    ("cpr 0102031234", "[CPR]"),
    ("cpr 010203 1234", "[CPR]"),
    ("cpr 010 203 1234", "[CPR]"),
    ("cpr 01.02.03-1234", "[CPR]"),
    ("cpr 01.02.03.1234", "[CPR]"),
    ("cpr 010203/1234", "[CPR]"),
    ("cpr 01/02/03-1234", "[CPR]"),
    ("cpr 01-02-03-1234", "[CPR]"),
    ("cpr 01 02 03 12 34", "[CPR]"),
    ("cpr 0102 03 1234", "[CPR]"),
    ("cpr 01 0203 1234", "[CPR]"),
    ("cpr 010203 12 34", "[CPR]"),
    ("cpr 010203 - 1234", "[CPR]"),
    ("cpr nr. 010203-1234", "[CPR]"),
    ("cpr nul et nul to nul tre et to tre fire", "[CPR]"),
    ("cpr et to nul tre femogfirs tolv fireogtredive", "[CPR]"),
    # Danish phone numbers
    ("tlf 20123456", "[telefon]"),
    ("tlf 2012 3456", "[telefon]"),
    ("tlf 20 12 34 56", "[telefon]"),
    ("tlf 201 23 456", "[telefon]"),
    ("tlf 20 123 456", "[telefon]"),
    ("tlf 201 234 56", "[telefon]"),
    ("tlf 20.12.34.56", "[telefon]"),
    ("tlf 20/12/34/56", "[telefon]"),
    ("tlf 20-12-34-56", "[telefon]"),
    ("tlf 2 0 1 2 3 4 5 6", "[telefon]"),
    ("tlf +4520123456", "[telefon]"),
    ("tlf +45 20 12 34 56", "[telefon]"),
    ("tlf 0045 20123456", "[telefon]"),
    ("tlf 45 2012 3456", "[telefon]"),
    ("tlf tyve tolv fireogtredive seksoghalvtreds", "[telefon]"),
    ("tlf to nul et to tre fire fem seks", "[telefon]"),
    # e-mail addresses
    ("mail anne.hansen@example.dk", "[e-mail]"),
    ("mail anne.hansen @ example.dk", "[e-mail]"),
    ("mail anne.hansen (at) example.dk", "[e-mail]"),
    ("mail anne.hansen [at] example.dk", "[e-mail]"),
    ("mail anne.hansen(at)example(dot)dk", "[e-mail]"),
    ("mail anne snabel a example punktum dk", "[e-mail]"),
    ("mail anne at example dot dk", "[e-mail]"),
    ("mail ANNE@EXAMPLE.DK", "[e-mail]"),
    # two numbers in one run
    ("numre 010203-1234 20 12 34 56", "[CPR] [telefon]"),
]


@pytest.mark.parametrize(("said", "masked"), FORMS)
def test_every_written_and_spoken_form_is_masked(said, masked):
    label = said.split()[0] + (" nr." if " nr. " in said else "")
    assert redact(said) == f"{label} {masked}"


@pytest.mark.parametrize(("said", "masked"), FORMS)
def test_the_privacy_audit_sees_every_form_it_masks(said, masked):
    from app.infra.privacy import holds_number

    assert holds_number(said)


@pytest.mark.parametrize(
    "said",
    [
        "mødet er den 26.11.2026 klokken 10.30",
        "mødet er 26-11-2026",
        "det koster 12.500.000 kr",
        "postnummer 2630 taastrup",
        "vejnummer 12 3 sal",
    ],
)
def test_dates_and_amounts_in_the_new_separators_are_left(said):
    assert redact(said) == said
