"""What an agency registry answers: datasets and their fields. Nothing else may be asked for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldContract:
    """One field of a dataset, with its labels for the consent screen and the access log."""

    name: str
    label_th: str
    label_en: str


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
