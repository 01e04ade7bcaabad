"""What an agency registry answers: datasets and their fields. Nothing else may be asked for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from identity.citizen_ids import is_valid_citizen_id, is_valid_juristic_id

FieldKind = Literal["text", "date", "record", "records"]
SubjectKind = Literal["citizen_id", "juristic_id", "title_deed"]


@dataclass(frozen=True)
class FieldContract:
    """One field of a dataset, with its labels for the consent screen and the access log.

    `kind` is what a registry must answer: `text` a string, `date` an ISO 8601 date string,
    `record` an object of strings (such as an address), `records` a list of such objects (such
    as the vehicles registered to a person).
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
        if self.kind == "records":
            return isinstance(value, list) and all(_is_record(v) for v in value)
        return _is_record(value)


def _is_record(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
    )


def is_valid_subject(kind: SubjectKind, subject: str) -> bool:
    """Whether `subject` is a well-formed key of this kind: citizen and juristic-person IDs
    are 13 digits with the mod-11 check digit (juristic ones begin with 0); a title deed is
    `<province code>-<number>`."""
    if kind == "citizen_id":
        return is_valid_citizen_id(subject)
    if kind == "juristic_id":
        return is_valid_juristic_id(subject)
    return re.fullmatch(r"\d{2}-\d{1,7}", subject) is not None


@dataclass(frozen=True)
class DatasetContract:
    """A dataset an agency registry serves, keyed by a subject of `subject_kind`.

    The registry HTTP interface is the same for every agency (`services.exchange.registry`):
    `POST {registry}/v1/datasets/{name}/query` with JSON `{"subject": "...", "fields": [...]}`,
    headers `Authorization: Bearer <key>`, `X-Request-Id`, `X-Caller`, `X-Purpose`,
    `X-Petition-Id`, `X-Consent-Ref`; it answers
    `{"dataset", "subject", "fields": {name: value}, "source", "as_of"}` with only the named
    fields. `POST .../match` with `{"subject", "match": {name: value}}` answers only
    `{"match": true|false}`. `public` datasets (a public register such as land titles) need no
    consent from the person they describe.
    """

    agency: str
    name: str
    title_th: str
    title_en: str
    fields: tuple[FieldContract, ...]
    subject_kind: SubjectKind = "citizen_id"
    public: bool = False

    @property
    def qualified_name(self) -> str:
        return f"{self.agency}.{self.name}"

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> FieldContract | None:
        return next((f for f in self.fields if f.name == name), None)
