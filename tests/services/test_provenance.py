"""The verbatim check's view of a post: what it strips and what it keeps."""

from __future__ import annotations

from registry.services import provenance


def test_plain_text_drops_the_retweet_prefix_leading_mentions_and_links_only() -> None:
    post = (
        "RT @kemenkes: @budi Posko vaksin keliling kerja sama @pemkot buka tiap hari "
        "https://t.co/x bit.ly/abc"
    )
    # a mention or short link inside the text stays, so a field that copied the post across
    # it still matches the post's words there
    assert provenance.plain_text(post) == (
        "Posko vaksin keliling kerja sama @pemkot buka tiap hari bit.ly/abc"
    )
