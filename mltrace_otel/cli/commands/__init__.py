"""One module per command group; importing a module registers its commands on ``mltrace_otel.cli.app.app``."""
