"""One module per platform, each behind the `Source` protocol of `registry.harvest.base`."""
