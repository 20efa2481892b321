"""Free-text state/country → the org's picklist codes: pure, no database, no HTTP."""

from __future__ import annotations

import pytest

from connector.geo import NormalisationError, Picklists, iso_picklists

ISO = iso_picklists()


@pytest.mark.parametrize(
    "text", ["Germany", "germany", "Deutschland", "DE", "DEU", " Allemagne ", "Alemania"]
)
def test_country_names_codes_and_translations_give_the_iso_code(text):
    assert ISO.country_code(text) == "DE"


@pytest.mark.parametrize("text,code", [("USA", "US"), ("U.S.A.", "US"), ("UK", "GB")])
def test_everyday_aliases(text, code):
    assert ISO.country_code(text) == code


def test_states_by_name_code_english_alias_and_german_name():
    assert ISO.state_code("California", country="US") == "CA"
    assert ISO.state_code("CA", country="US") == "CA"
    assert ISO.state_code("Kalifornien", country="US") == "CA"
    assert ISO.state_code("Bayern", country="DE") == "BY"
    assert ISO.state_code("Bavaria", country="DE") == "BY"


def test_unknown_values_raise_with_the_text():
    with pytest.raises(NormalisationError, match="Atlantis"):
        ISO.country_code("Atlantis")
    with pytest.raises(NormalisationError, match="Kalifornien"):
        ISO.state_code("Kalifornien", country="DE")


ORG = Picklists(
    countries={"US": "United States", "DE": "Germany", "XK": "Kosovo", "IE": "Éire"},
    states={"US": {"CA": "California", "NY": "New York"}},
)


def test_the_orgs_own_labels_and_codes_are_accepted():
    assert ORG.country_code("Kosovo") == "XK"  # not in ISO 3166, the org added it
    assert ORG.country_code("Éire") == "IE"  # renamed by the admins
    assert ORG.country_code("Ireland") == "IE"  # and the ISO name still maps to the code
    assert ORG.country_code("Vereinigte Staaten") == "US"  # German


def test_a_country_the_org_lacks_is_an_error_naming_it():
    with pytest.raises(NormalisationError, match=r"“France” \(FR\) is not a country in your"):
        ORG.country_code("France")


def test_states_only_where_the_org_has_them():
    assert ORG.state_code("Kalifornien", country="US") == "CA"
    assert ORG.state_code("Bayern", country="DE") is None  # the org has no German states
    with pytest.raises(NormalisationError, match="Texas"):
        ORG.state_code("Texas", country="US")  # a US state the org does not list
