"""The hostile-input suite's harness and its cases (tests/test_hostile_forms.py runs them)."""
