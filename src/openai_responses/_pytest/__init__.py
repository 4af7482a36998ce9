"""pytest pieces: cassette naming, and pytest-recording's interface served by our engine.

``openai_responses._plugin`` (the ``pytest11`` entry point) wires them in.
"""
