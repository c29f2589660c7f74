"""The shared bottom floor: what every app of ours uses and none of them owns.

It imports no app of ours (``ledger``, ``approvals``, ``disbursement``, ``fundapp``); the layers
contract in ``pyproject.toml`` (import-linter) holds that. See ``docs/architecture.md``.
"""
