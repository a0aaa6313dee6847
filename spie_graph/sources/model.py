"""The domain model: actors, services, interactions, consortium, data set.

Instances are built by :mod:`spie_graph.sources.validation` from checked rows, so every
code they hold is known to the referentials. Lists are never ``None``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["checked", "Acteur", "Service", "Interaction", "Membre", "Consortium", "Dataset"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def checked(cls, **values: Any) -> Self:
        """A model of values validation has already checked and typed, every field given.

        See :func:`checked`: a national data set makes 600,000 models.
        """
        return checked(cls, values)


_FIELDS: dict[type, tuple[list[str], set[str]]] = {}
_set = object.__setattr__
_new = object.__new__
# BaseModel's slots, set through their descriptors (a third faster than by name).
_set_fields = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_M = TypeVar("_M", bound=BaseModel)


def checked(cls: type[_M], values: dict[str, Any]) -> _M:
    """A ``cls`` model of ``values`` already checked and typed, every field given.

    What ``cls.model_construct(**values)`` makes (no second check), in a third of
    the time of a validated model. All the models of a class made so share one
    ``model_fields_set`` (every field), which saves a set per model (700 bytes):
    do not change it. ``values`` becomes the model's ``__dict__``.
    """
    names, every = _FIELDS.get(cls) or _FIELDS.setdefault(
        cls, (list(cls.model_fields), set(cls.model_fields)))
    if list(values) != names:  # in the fields' order, as pydantic keeps them
        values = {name: values[name] for name in names}
    model = _new(cls)
    _set(model, "__dict__", values)
    _set_fields(model, every)
    _set_extra(model, None)
    _set_private(model, None)
    return model


class Acteur(_Model):
    """An actor of the territory (a structure)."""

    id: str
    nom: str
    famille: str
    reseau_porteur: str | None = None
    siret: str | None = None
    commune: str | None = None
    territoire: list[str] = Field(default_factory=list)
    missions: str | None = None
    competences: list[str] = Field(default_factory=list)
    publics: list[str] = Field(default_factory=list)
    site_web: str | None = None


class Service(_Model):
    """A service an actor offers; empty ``publics`` means every public."""

    id: str
    acteur: str
    nom: str
    thematiques: list[str]
    publics: list[str] = Field(default_factory=list)
    moments: list[str] = Field(default_factory=list)
    moments_deduits: bool = False
    territoire: list[str] = Field(default_factory=list)
    modes_accueil: list[str] = Field(default_factory=list)
    description: str | None = None
    # data·inclusion attributes users filter on (optional: hand-made data sets lack them).
    frais: str | None = None
    modes_mobilisation: list[str] = Field(default_factory=list)
    mobilisable_par: list[str] = Field(default_factory=list)
    conditions_acces: str | None = None
    score_qualite: float | None = None
    date_maj: date | None = None

    @property
    def tous_publics(self) -> bool:
        return not self.publics or self.publics == ["tous-publics"]


class Interaction(_Model):
    """A typed, directed relation between two actors."""

    source: str
    cible: str
    type: str
    description: str | None = None
    depuis: date | None = None
    jusqu_a: date | None = None


class Membre(_Model):
    """A member of the consortium."""

    acteur: str
    role: str | None = None
    lettre_engagement: bool = False


class Consortium(_Model):
    """The consortium that answers the AMI SPIE."""

    nom: str
    porteur: str
    accord_cd: bool = False
    territoire: list[str] = Field(default_factory=list)
    publics: list[str] = Field(default_factory=list)
    membres: list[Membre] = Field(default_factory=list)


class Dataset(_Model):
    """A validated data set: the actors of one territory."""

    nom: str
    chemin: Path | None = None
    acteurs: list[Acteur] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
    consortium: Consortium | None = None

    def acteur(self, acteur_id: str) -> Acteur:
        """The actor of an id (``KeyError`` when absent)."""
        for acteur in self.acteurs:
            if acteur.id == acteur_id:
                return acteur
        raise KeyError(acteur_id)
