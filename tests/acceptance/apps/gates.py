"""Gates that test apps wait on and tests open (``Evaluate`` can reach them by import)."""

import threading

IMPORT_GATE = threading.Event()  # blocks_at_import waits on it while it is imported
