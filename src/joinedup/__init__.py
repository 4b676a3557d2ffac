"""joinedup: one live, trusted picture for an Integrated Care System."""

__version__ = "0.1.0"
