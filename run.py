#!/usr/bin/env python3
"""Shishi grid-governance simulation: `python run.py` runs the baseline; `--help` lists the rest."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
