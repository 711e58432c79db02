"""Mastodon: the timeline and search client (:mod:`.client`) and the status normalizer
(:mod:`.normalize`)."""
