import sys

from aduana.cli import main

sys.exit(main())
