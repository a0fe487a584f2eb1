"""``python -m hawkeye_core`` runs the ``hawkeye`` command."""

from hawkeye_core.cli import main

if __name__ == "__main__":
    main()
