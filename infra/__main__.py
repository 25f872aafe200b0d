"""``pulumi up`` entry point (``main: infra/`` in Pulumi.yaml).

The Python language host runs this directory as a script, so ``infra`` is not yet importable as a
package: put the project root (which holds ``infra/``) on the path first. The toolkit itself
(``consortium``) is installed in the project's virtualenv.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.program import main

main()
