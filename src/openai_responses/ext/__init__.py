"""Re-exports of the libraries the mock is built on, for use in tests."""
