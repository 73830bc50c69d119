"""``python -m childhub`` runs the command line."""

from childhub.cli import main

main()
