"""Bluesky: the search client (:mod:`.client`) and the post view normalizer (:mod:`.normalize`)."""
