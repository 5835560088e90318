"""Entry point: `python main.py` opens the app; `python main.py COMMAND ...` is the `bedside` command."""

from ui.main import main

if __name__ == "__main__":
    raise SystemExit(main())
