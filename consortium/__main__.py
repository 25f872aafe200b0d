"""``python -m consortium``: the same CLI as the ``consortium`` console script."""

from consortium.cli import main

main()
