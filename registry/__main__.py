"""`registry` (the console script) and `python -m registry`: the composition root of the
command line, joining create_app to the commands of registry.cli."""

from .app import create_app
from .cli.main import make_main

main = make_main(create_app)

if __name__ == "__main__":
    main()
