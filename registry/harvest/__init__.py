"""Harvesting: sources fetch and normalize posts; the runner dedups, scores and stores them."""
