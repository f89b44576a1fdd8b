"""`python -m itsmctl` runs the CLI."""
from itsmctl.ui.entry import main

main()
