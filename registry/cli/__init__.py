"""The `registry` command line: an edge, like the web, over the same service functions.

One module per area (instance set-up and serving, catalogue import/export and index, users,
harvest, classify, map, notify, reports, workers); errors become exit codes in one place
(errors.py). The package never imports registry.app: main.py builds the group on the
create_app that registry/__main__.py passes in.
"""
