"""`python -m itsmctl` runs the CLI."""
from itsmctl.ui.main import main

main()
