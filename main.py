"""Entry point: `python main.py ...` is the `bedside` command."""

from bedside.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
