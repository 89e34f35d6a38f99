"""Development tools of the spideo-sim repository (not shipped in the package)."""
