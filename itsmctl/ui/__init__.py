"""Click commands and printing only: parse, call a use case, print what it returns."""
