"""Runs the end-to-end tests (tests/e2e/test_*.py) with unittest and
prints one closing line: "e2e: N passed, N failed, N skipped"."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
suite = unittest.defaultTestLoader.discover(here, pattern=sys.argv[1]
                                            if len(sys.argv) > 1
                                            else "test_*.py")
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors)
skipped = len(result.skipped)
passed = result.testsRun - failed - skipped
print(f"e2e: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
