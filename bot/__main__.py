"""`python -m bot` does what the `residents-bot` console script does."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
