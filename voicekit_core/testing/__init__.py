"""The plugin testing kit: an emulator harness, media helpers, pytest fixtures and the
conformance suite (:class:`voicekit_core.testing.conformance.ProviderConformance`).

Needs ``pip install 'voicekit-core[testing]'``. Importing this package imports neither
starlette nor uvicorn; :mod:`voicekit_core.testing.emulator` does.
"""
