"""`python -m itsmctl` runs the CLI."""
from itsmctl.cli import main

main()
