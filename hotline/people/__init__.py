"""People who work the line: volunteers, web accounts, the on-call rota."""
