"""The About box names the rule version and the digest of the site policy in force."""

from __future__ import annotations

from bedside.clinical.policy import DEFAULT_POLICY, RULE_VERSION, SitePolicy
from ui.dialogs import AboutDialog, about_text


def test_the_about_box_names_the_rules_and_the_policy_digest(qtbot) -> None:  # type: ignore[no-untyped-def]
    text = about_text(DEFAULT_POLICY)
    assert RULE_VERSION in text and DEFAULT_POLICY.fingerprint in text
    other = SitePolicy(site_timezone="Europe/Berlin")
    assert other.fingerprint in about_text(other) and "Europe/Berlin" in about_text(other)
    dialog = AboutDialog(DEFAULT_POLICY)
    qtbot.addWidget(dialog)
    assert DEFAULT_POLICY.fingerprint in dialog.text.text()
