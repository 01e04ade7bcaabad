"""What an agency registry answers: datasets and their fields. Nothing else may be asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

FieldKind = Literal["text", "date", "record"]


@dataclass(frozen=True)
class FieldContract:
    """One field of a dataset, with its labels for the consent screen and the access log.

    `kind` is what a registry must answer: `text` a string, `date` an ISO 8601 date string,
    `record` an object of strings (such as an address).
    """

    name: str
    label_th: str
    label_en: str
    kind: FieldKind = "text"

    def accepts(self, value: Any) -> bool:
        """Whether an answered value has this field's shape (`None` means "no value")."""
        if value is None or self.kind == "text":
            return value is None or isinstance(value, str)
        if self.kind == "date":
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                return False
            return True
        return isinstance(value, dict) and all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
        )


@dataclass(frozen=True)
class DatasetContract:
    """A dataset an agency registry serves, keyed by the subject's citizen ID.

    The registry HTTP interface is the same for every agency:
    `POST {registry}/v1/datasets/{name}/query` with JSON `{"subject": "<13 digits>",
    "fields": [...]}`, headers `Authorization: Bearer <key>`, `X-Request-Id`, `X-Caller`,
    `X-Purpose`, `X-Petition-Id`, `X-Consent-Ref`; it answers
    `{"dataset", "subject", "fields": {name: value}, "source", "as_of"}` with only the named fields.
    """

    agency: str
    name: str
    title_th: str
    title_en: str
    fields: tuple[FieldContract, ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.agency}.{self.name}"

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> FieldContract | None:
        return next((f for f in self.fields if f.name == name), None)
