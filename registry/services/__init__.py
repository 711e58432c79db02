"""Domain operations shared by the web, the CLI and background jobs.

They take data and an explicit actor, never a form or a request; they flush, and the edge commits.
"""
