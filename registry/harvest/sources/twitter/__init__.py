"""X/Twitter: the search client (:mod:`.client`) and the v2/v1.1 normalizers (:mod:`.normalize`)."""
