"""Data files shipped with the matcher (background sentences); a package so that they install with it."""
