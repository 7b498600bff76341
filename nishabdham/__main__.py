import sys

from nishabdham.app.cli import main

sys.exit(main())
