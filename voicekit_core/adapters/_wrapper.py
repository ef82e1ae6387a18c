"""What every adapter shares: it stands in for the provider it wraps."""

from __future__ import annotations

from typing import Any

from ..capabilities import capabilities_of

__all__ = ["ProviderWrapper"]


class ProviderWrapper:
    """Delegates every attribute it does not define to the wrapped provider ``inner``.

    ``name`` is the inner provider's name; ``close()`` and ``with`` close it.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = str(getattr(inner, "name", type(inner).__name__))

    def __getattr__(self, attribute: str) -> Any:
        if attribute == "inner":  # not set yet (during unpickling): no recursion
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)

    @property
    def capabilities(self) -> tuple[str, ...]:
        """The capability ABCs this adapter implements."""
        return capabilities_of(self)

    def close(self) -> None:
        """Close the wrapped provider."""
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.inner!r}>"
