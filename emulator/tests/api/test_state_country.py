"""The org's own state and country picklists: control API, describe (dependent StateCode with
validFor), and writes checked against the org's set."""

from __future__ import annotations

import base64

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

SMALL = [
    {
        "code": "US",
        "label": "United States",
        "states": [
            {"code": "CA", "label": "California"},
            {"code": "NY", "label": "New York"},
            {"code": "PR", "label": "Puerto Rico", "active": False},
        ],
    },
    {"code": "FR", "label": "France"},
    {"code": "GB", "label": "UK", "active": False},
    {"code": "CA", "label": "Canada", "states": [{"code": "ON", "label": "Ontario"}]},
]


def _error(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.content[0]


def fields_of(sf, obj):
    return {f["name"]: f for f in getattr(sf, obj).describe()["fields"]}


def valid_for(value: str, controllers: list[str]) -> list[str]:
    """The controlling values a ``validFor`` bitmap names (bit i, MSB first per byte)."""
    raw = base64.b64decode(value)
    return [c for i, c in enumerate(controllers) if raw[i >> 3] & (0x80 >> (i & 7))]


@pytest.fixture
def small(emulator_control):
    emulator_control.configure_org(state_country_picklists=True)
    return emulator_control.set_state_country(SMALL)


def test_default_is_the_iso_set_and_reset_restores_it(emulator_control):
    countries = {c["code"]: c for c in emulator_control.state_country()}
    assert len(countries) > 240 and countries["US"]["label"] == "United States"
    assert {"code": "CA", "label": "California", "active": True} in countries["US"]["states"]
    assert countries["FR"]["states"] == [] and countries["FR"]["active"] is True
    emulator_control.set_state_country(SMALL)
    assert [c["code"] for c in emulator_control.state_country()] == ["US", "FR", "GB", "CA"]
    emulator_control.reset()
    assert len(emulator_control.state_country()) == len(countries)


def test_put_and_patch(emulator_control, small):
    assert small[2] == {"code": "GB", "label": "UK", "active": False, "states": []}
    out = emulator_control.patch_state_country(
        [
            {"code": "xk", "label": "Kosovo"},
            {"code": "GB", "label": "United Kingdom", "active": True},
            {"code": "US", "states": [{"code": "TX", "label": "Texas"}], "remove_states": ["NY"]},
        ],
        remove=["FR"],
    )
    by_code = {c["code"]: c for c in out}
    assert list(by_code) == ["US", "GB", "CA", "XK"]
    assert by_code["GB"] == {"code": "GB", "label": "United Kingdom", "active": True, "states": []}
    assert [s["code"] for s in by_code["US"]["states"]] == ["CA", "PR", "TX"]
    assert by_code["US"]["label"] == "United States"  # untouched keys stay
    assert emulator_control.state_country() == out
    bad_puts = [
        [{"code": "US", "label": "A"}, {"code": "US", "label": "B"}],  # duplicate
        [{"code": "", "label": "Nowhere"}],
        [{"code": "ZZ"}],  # a new country needs a label
        [{"code": "ZZ", "label": "Z", "active": "yes"}],
        [{"code": "ZZ", "label": "Z", "flag": True}],
    ]
    for countries in bad_puts:
        with pytest.raises(RuntimeError, match="400"):
            emulator_control.set_state_country(countries)
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.patch_state_country(remove=["QQ"])
    assert emulator_control.state_country() == out


def test_describe_reflects_the_set(sf, small):
    fields = fields_of(sf, "Contact")
    country, state = fields["MailingCountryCode"], fields["MailingStateCode"]
    assert [(v["value"], v["label"]) for v in country["picklistValues"]] == [
        ("US", "United States"),
        ("FR", "France"),
        ("CA", "Canada"),
    ]
    assert all(v["validFor"] is None for v in country["picklistValues"])
    assert (state["dependentPicklist"], state["controllerName"]) == (True, "MailingCountryCode")
    controllers = [v["value"] for v in country["picklistValues"]]
    got = {v["value"]: valid_for(v["validFor"], controllers) for v in state["picklistValues"]}
    assert got == {"CA": ["US"], "NY": ["US"], "ON": ["CA"]}
    assert {v["value"]: v["label"] for v in state["picklistValues"]}["NY"] == "New York"
    assert state["picklistValues"][0] == {
        "active": True,
        "defaultValue": False,
        "label": "California",
        "validFor": base64.b64encode(bytes([0x80])).decode(),
        "value": "CA",
    }


def test_default_describe_has_valid_for_over_many_countries(sf, emulator_control):
    emulator_control.configure_org(state_country_picklists=True)
    fields = fields_of(sf, "Lead")
    controllers = [v["value"] for v in fields["CountryCode"]["picklistValues"]]
    states = fields["StateCode"]["picklistValues"]
    bavaria = next(v for v in states if v["value"] == "BY")
    assert valid_for(bavaria["validFor"], controllers) == ["DE"]
    # WA is Washington in the US and Western Australia: two values, one country each.
    assert sorted(
        valid_for(v["validFor"], controllers)[0] for v in states if v["value"] == "WA"
    ) == ["AU", "US"]


def test_writes_follow_the_set(sf, small, emulator_control):
    cid = sf.Contact.create(
        {"LastName": "X", "MailingCountryCode": "US", "MailingStateCode": "CA"}
    )["id"]
    emulator_control.patch_state_country([{"code": "US", "label": "United States of America"}])
    sf.Contact.update(cid, {"MailingCountryCode": "US"})
    got = sf.Contact.get(cid)
    assert (got["MailingCountry"], got["MailingState"]) == (
        "United States of America",
        "California",
    )
    lead = sf.Lead.create(
        {"LastName": "L", "Company": "C", "Country": "Canada", "State": "Ontario"}
    )
    got = sf.Lead.get(lead["id"])
    assert (got["CountryCode"], got["StateCode"]) == ("CA", "ON")
    emulator_control.patch_state_country([{"code": "XK", "label": "Kosovo"}])
    aid = sf.Account.create({"Name": "A", "BillingCountry": "Kosovo"})["id"]
    assert sf.Account.get(aid)["BillingCountryCode"] == "XK"
    cases = [
        ({"MailingCountryCode": "GB"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),  # hidden
        ({"MailingCountryCode": "DE"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),  # not in set
        ({"MailingCountry": "Germany"}, "FIELD_INTEGRITY_EXCEPTION"),
        (
            {"MailingCountryCode": "US", "MailingStateCode": "PR"},  # inactive state
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        (
            {"MailingCountryCode": "US", "MailingStateCode": "ON"},  # another country's
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        (
            {"MailingCountryCode": "FR", "MailingStateCode": "IDF"},  # no states
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
    ]
    for data, code in cases:
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.Contact.create({"LastName": "X", **data})
        assert _error(exc)["errorCode"] == code, data
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Contact.create({"LastName": "X", "MailingCountryCode": "DE"})
    assert _error(exc) == {
        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "message": "Mailing Country Code: bad value for restricted picklist field: DE",
        "fields": ["MailingCountryCode"],
    }


def test_collections_and_bulk_use_the_set(sf, small):
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "A", "MailingCountryCode": "FR"},
        {"attributes": {"type": "Contact"}, "LastName": "B", "MailingCountryCode": "DE"},
    ]
    res = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert [r["success"] for r in res] == [True, False]
    result = sf.bulk2.Contact.insert(
        records=[{"LastName": "C", "MailingCountryCode": "US", "MailingStateCode": "NY"}], wait=0
    )
    assert result[0]["numberRecordsFailed"] == 0


@pytest.mark.slow
def test_the_set_survives_a_restart(tmp_path):
    from salesforce_emulator.testing import running_emulator

    db = str(tmp_path / "org.sqlite")
    with running_emulator(db=db) as emu:
        emu.control.set_state_country(SMALL)
        emu.control.add_record_type("Lead", "Partner_Lead", default=True)
    with running_emulator(db=db) as emu:
        assert [c["code"] for c in emu.control.state_country()] == ["US", "FR", "GB", "CA"]
        assert [t["default"] for t in emu.control.record_types()] == [True]
