"""What a call will cost, asked from outside the call (long text, adapters, metrics).

A provider's ``estimate(operation, **args)`` is written for the arguments its own method
hands it: for a ``kit.operation`` method that is the method's own arguments (defaults
applied, ``voice`` as an id) plus the parsed ``opts``. :func:`estimate_call` builds the same
arguments from what a user would pass (``text``, ``voice=``, options...), so the estimate
seen here is the one the call itself would check.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import VoicekitError
from .models import Cost

__all__ = ["estimate_call", "innermost", "total_cost"]

_NOT_ARGUMENTS = frozenset({"max_credits", "split", "on_upload_progress", "max_chars",
                            "max_bytes", "to"})


def innermost(provider: Any) -> Any:
    """The provider under adapters (``adapter.inner.inner...``)."""
    for _ in range(32):
        inner = getattr(provider, "inner", None)
        if inner is None:
            break
        provider = inner
    return provider


def estimate_call(provider: Any, operation: str, text: str, kwargs: Mapping[str, Any]
                  ) -> Cost | None:
    """The provider's estimate of ``operation(text, **kwargs)``; None when unknown.

    Bad options raise InvalidInput (as the call would); an estimate that fails otherwise
    counts as unknown.
    """
    target = innermost(provider)
    estimate = getattr(target, "estimate", None)
    if estimate is None:
        return None
    args = {k: v for k, v in kwargs.items() if k not in _NOT_ARGUMENTS}
    method = getattr(type(target), operation, None)
    info = getattr(method, "__voicekit_operation__", None)
    try:
        if info is None or method is None:
            cost = estimate(operation, text=text, **args)
        else:
            cost = estimate(operation, **_operation_arguments(target, method, info, text, args))
    except VoicekitError:
        raise
    except Exception:  # an estimate is advice; a broken one must not break the call
        return None
    return cost if isinstance(cost, Cost) else None


def _operation_arguments(target: Any, method: Any, info: Any, text: str,
                         args: dict[str, Any]) -> dict[str, Any]:
    body = inspect.signature(inspect.unwrap(method))
    own = body.replace(parameters=[p for p in body.parameters.values()
                                   if p.name not in ("opts", "call")])
    mine = {k: v for k, v in args.items() if k in own.parameters}
    leftover = {k: v for k, v in args.items() if k not in own.parameters}
    bound = own.bind(target, text, **mine)
    bound.apply_defaults()
    arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
    if arguments.get("voice") is not None:
        arguments["voice"] = target.voice_id(arguments["voice"])
    arguments["opts"] = info.options.parse(leftover, call=info.name, provider=target.name,
                                           also=tuple(info.keywords))
    return arguments


def total_cost(provider: Any, operation: str, texts: Sequence[str],
               kwargs: Mapping[str, Any]) -> tuple[list[Cost | None], Cost | None]:
    """Each text's estimate, and their total (None when any is unknown)."""
    costs = [estimate_call(provider, operation, text, kwargs) for text in texts]
    known = [c for c in costs if c is not None]
    if not known or len(known) != len(costs):
        return costs, None
    return costs, Cost(credits=sum(c.credits for c in known), unit=known[0].unit,
                       exact=all(c.exact for c in known))
