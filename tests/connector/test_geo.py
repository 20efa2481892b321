"""Free-text state/country → ISO codes: pure, no database, no HTTP."""

from __future__ import annotations

import pytest

from connector.geo import NormalisationError, country_code, state_code


@pytest.mark.parametrize(
    "text", ["Germany", "germany", "Deutschland", "DE", "DEU", " Allemagne ", "Alemania"]
)
def test_country_names_codes_and_translations_give_the_iso_code(text):
    assert country_code(text) == "DE"


@pytest.mark.parametrize("text,code", [("USA", "US"), ("U.S.A.", "US"), ("UK", "GB")])
def test_everyday_aliases(text, code):
    assert country_code(text) == code


def test_states_by_name_code_and_english_alias():
    assert state_code("California", country="US") == "CA"
    assert state_code("CA", country="US") == "CA"
    assert state_code("Bayern", country="DE") == "BY"
    assert state_code("Bavaria", country="DE") == "BY"


def test_unknown_values_raise_with_the_text():
    with pytest.raises(NormalisationError, match="Atlantis"):
        country_code("Atlantis")
    with pytest.raises(NormalisationError, match="Kalifornien"):
        state_code("Kalifornien", country="DE")
