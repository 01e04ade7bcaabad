"""An agency as the catalogue and the exchange know it."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.exchange.datasets import DatasetContract


@dataclass(frozen=True)
class Agency:
    """A government agency with its registry datasets; one module per agency under `services/`."""

    code: str
    name_th: str
    name_en: str
    address_th: str = ""
    address_en: str = ""
    datasets: tuple[DatasetContract, ...] = field(default_factory=tuple)

    def letterhead(self) -> dict[str, str]:
        """The agency block every certificate template prints at its head."""
        return {
            "code": self.code,
            "name_th": self.name_th,
            "name_en": self.name_en,
            "address_th": self.address_th,
            "address_en": self.address_en,
        }

    def dataset(self, name: str) -> DatasetContract | None:
        return next((d for d in self.datasets if d.name == name), None)
