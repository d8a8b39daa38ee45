"""One module per `padviz` subcommand: `add_parser(subparsers)` and `run(args) -> int`."""
