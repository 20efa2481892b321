"""Free-text state/country → the org's picklist codes: pure, no database, no HTTP."""

from __future__ import annotations

import pytest

from connector.geo import NormalisationError, Picklists, iso_picklists

pytestmark = pytest.mark.usefixtures("fresh_geo_tables")


@pytest.fixture
def iso() -> Picklists:
    return iso_picklists()


def org() -> Picklists:
    """Built per test: its lookup keys are cached on the instance."""
    return Picklists(
        countries={"US": "United States", "DE": "Germany", "XK": "Kosovo", "IE": "Éire"},
        states={"US": {"CA": "California", "NY": "New York"}, "DE": {}},
    )


@pytest.mark.parametrize(
    "text", ["Germany", "germany", "Deutschland", "DE", "DEU", " Allemagne ", "Alemania"]
)
def test_country_names_codes_and_translations_give_the_iso_code(iso, text):
    assert iso.country_code(text) == "DE"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Germania", "DE"),  # Italian
        ("Duitsland", "DE"),  # Dutch
        ("Alemanha", "DE"),  # Portuguese
        ("Espagne", "ES"),  # French
    ],
)
def test_every_accepted_language(iso, text, code):
    assert iso.country_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("America", "US"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Great Britain", "GB"),
        ("Holland", "NL"),
        ("South Korea", "KR"),
        ("Russia", "RU"),
    ],
)
def test_everyday_aliases(iso, text, code):
    assert iso.country_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Bolivia", "BO"),  # common name (ISO: "Bolivia, Plurinational State of")
        ("Plurinational State of Bolivia", "BO"),  # official name
        ("Czech Republic", "CZ"),  # official name (ISO: "Czechia")
        ("Czechia", "CZ"),
        ("Taiwan", "TW"),
    ],
)
def test_official_and_common_names(iso, text, code):
    assert iso.country_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Osterreich", "AT"),  # Österreich typed without its umlaut
        ("Österreich", "AT"),
        ("Cote d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("CÔTE-D'IVOIRE", "CI"),
        ("cote_d_ivoire", "CI"),  # underscores separate words too
    ],
)
def test_accents_case_and_punctuation_are_folded(iso, text, code):
    assert iso.country_code(text) == code


def test_states_by_name_code_english_alias_and_german_name(iso):
    assert iso.state_code("California", country="US") == "CA"
    assert iso.state_code("CA", country="US") == "CA"
    assert iso.state_code("US-CA", country="US") == "CA"
    assert iso.state_code("Kalifornien", country="US") == "CA"
    assert iso.state_code("Bayern", country="DE") == "BY"
    assert iso.state_code("Bavaria", country="DE") == "BY"
    assert iso.state_code("Hesse", country="DE") == "HE"
    assert iso.state_code("North Rhine-Westphalia", country="DE") == "NW"
    assert iso.state_code("Baden-Württemberg", country="DE") == "BW"


@pytest.mark.parametrize("text", ["Zurich", "Zürich", "ZURICH", "ZH", "CH-ZH"])
def test_subdivision_accents_are_folded(iso, text):
    assert iso.state_code(text, country="CH") == "ZH"


def test_unknown_values_raise_with_the_text(iso):
    with pytest.raises(NormalisationError) as raised:
        iso.country_code("Atlantis")
    assert str(raised.value) == "“Atlantis” is not a country Salesforce's picklist knows."
    with pytest.raises(NormalisationError) as raised:
        iso.state_code("Kalifornien", country="DE")
    assert str(raised.value) == (
        "“Kalifornien” is not a state of DE in your Salesforce org's state picklist."
    )
    with pytest.raises(NormalisationError):
        iso.state_code("Bavaria", country="AT")  # the English aliases are Germany's only


def test_the_iso_picklists_hold_every_country_and_subdivision(iso):
    assert iso.countries["DE"] == "Germany"
    assert iso.countries["CI"] == "Côte d'Ivoire"
    assert len(iso.countries) == 249
    assert iso.states["US"]["CA"] == "California"
    assert iso.states["DE"]["BY"] == "Bayern"
    assert iso.has_states("US") is True
    assert iso.has_states("XX") is False
    assert iso_picklists() is iso  # built once


def test_the_orgs_own_labels_and_codes_are_accepted():
    picklists = org()
    assert picklists.country_code("Kosovo") == "XK"  # not in ISO 3166, the org added it
    assert picklists.country_code("xk") == "XK"
    assert picklists.country_code("Éire") == "IE"  # renamed by the admins
    assert picklists.country_code("Eire") == "IE"
    assert picklists.country_code("Ireland") == "IE"  # and the ISO name still maps to the code
    assert picklists.country_code("Vereinigte Staaten") == "US"  # German


def test_a_country_the_org_lacks_is_an_error_naming_it():
    with pytest.raises(NormalisationError) as raised:
        org().country_code("France")
    assert str(raised.value) == (
        "“France” (FR) is not a country in your Salesforce org's country picklist."
    )


def test_states_only_where_the_org_has_them():
    picklists = org()
    assert picklists.has_states("US") is True
    assert picklists.has_states("DE") is False  # listed, but without states
    assert picklists.has_states("FR") is False
    assert picklists.state_code("Kalifornien", country="US") == "CA"
    assert picklists.state_code("new york", country="US") == "NY"
    assert picklists.state_code("ny", country="US") == "NY"
    assert picklists.state_code("Bayern", country="DE") is None  # the org has no German states
    assert picklists.state_code("Bayern", country="FR") is None
    with pytest.raises(NormalisationError) as raised:
        picklists.state_code("Texas", country="US")  # a US state the org does not list
    assert str(raised.value) == (
        "“Texas” is not a state of US in your Salesforce org's state picklist."
    )


def test_the_orgs_state_labels_win_over_iso_names():
    picklists = Picklists(countries={"US": "USA"}, states={"US": {"XA": "Cal", "CA": "Other"}})
    assert picklists.state_code("Cal", country="US") == "XA"
    assert picklists.state_code("California", country="US") == "CA"  # ISO name → ISO code
