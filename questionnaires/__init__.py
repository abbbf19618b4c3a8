"""The question catalogue: data files under `data/`, their types, the kinds registry and the loader."""

from .loader import CatalogueError, load_catalogue
from .model import Catalogue, Condition, Module, Option, Question, SurveyTemplate

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Condition",
    "Module",
    "Option",
    "Question",
    "SurveyTemplate",
    "load_catalogue",
]
