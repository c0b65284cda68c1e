"""``python -m dailypapers``: the same CLI as the ``dailypapers`` command."""

from dailypapers.cli import main

if __name__ == "__main__":
    main()
