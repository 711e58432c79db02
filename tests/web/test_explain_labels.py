"""Every feature the classifier can name in an explanation reads as words in both languages."""

from __future__ import annotations

import pytest

from registry.classify.rules import LEXICON_FEATURES
from registry.web.explain_labels import describe


@pytest.mark.parametrize("locale", ["id", "en"])
def test_every_lexicon_feature_has_words(locale: str) -> None:
    for feature in LEXICON_FEATURES:
        text, is_feature = describe(feature, locale)
        assert is_feature and text != feature[1:-1], feature


def test_plain_words_pass_through() -> None:
    assert describe("luncur", "id") == ("luncur", False)
