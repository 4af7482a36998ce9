"""Build and merge openai objects the way the mock does, for ``.response`` callables and for
seeding a StateStore: ``helpers.builders`` (``build``, ``from_request`` and a
``build_<model>`` / ``<model>_from_create_request`` for every model of the endpoint table)
and ``helpers.mergers`` (``merge`` and ``merge_<model>_with_partial``). The area modules
(``builders.runs``, ``mergers.runs``, ...) keep openai-responses 0.13's names."""

from . import builders, mergers

__all__ = ["builders", "mergers"]
