#!/usr/bin/env python
from escala.cli import main

if __name__ == "__main__":
    main()
