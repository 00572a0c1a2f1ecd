"""Reads products.yaml into product types and models, listing every problem as file:line [id]: message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge.catalog_fields import (
    FileProblems,
    read_flag,
    read_id,
    read_identifier,
    read_language_map,
    read_modes,
    read_text_list,
    read_warranty,
    read_whole_number,
    unknown_keys,
)
from bot.knowledge.catalog_model import DEFAULT_ONSITE_FEE, ProductModel, ProductType
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import line_of

TYPE_KEYS = {
    "id",
    "name",
    "aliases",
    "warranty",
    "identifier",
    "modes",
    "onsite_free_in_warranty",
    "onsite_fee",
    "loaner",
    "replacement_promise",
    "models",
}
MODEL_KEYS = {"id", "name", "aliases", "warranty", "identifier", "modes", "loaner"}


def parse_products(path: Path, document: Any) -> tuple[list[ProductType], list[KnowledgeError]]:
    out = FileProblems(path)
    if not isinstance(document, dict) or not isinstance(document.get("types"), list) or not document["types"]:
        out.add(line_of(document) or 1, "products.yaml must be a mapping with a non-empty list `types`")
        return [], out.errors
    for problem in unknown_keys(document, {"types"}):
        out.add(line_of(document), problem)
    types: list[ProductType] = []
    seen_types: set[str] = set()
    seen_models: dict[str, int | None] = {}
    for position, raw in enumerate(document["types"], start=1):
        if not isinstance(raw, dict):
            out.add(line_of(document), f"type #{position} must be a mapping with id, name, warranty, modes and models")
            continue
        line = line_of(raw)
        problems: list[str] = []
        type_id = read_id(raw, f"type #{position}:", problems)
        if type_id in seen_types:
            problems.append("duplicate type id")
        problems += unknown_keys(raw, TYPE_KEYS)
        name, more = read_language_map(raw.get("name"), "name")
        problems += more
        aliases, more = read_text_list(raw.get("aliases"), "aliases")
        problems += more
        warranty = read_warranty(raw.get("warranty"), problems)
        identifier = read_identifier(raw.get("identifier", "serial"), problems)
        modes = read_modes(raw.get("modes"), "modes", problems)
        onsite_free = read_flag(raw, "onsite_free_in_warranty", False, problems)
        onsite_fee = read_whole_number(raw, "onsite_fee", DEFAULT_ONSITE_FEE, 0, 10000, problems)
        loaner = read_flag(raw, "loaner", False, problems)
        promise = read_flag(raw, "replacement_promise", True, problems)
        for problem in problems:
            out.add(line, problem, type_id)
        models: list[ProductModel] = []
        raw_models = raw.get("models")
        if not isinstance(raw_models, list) or not raw_models:
            out.add(line, "models must be a non-empty list of models", type_id)
            raw_models = []
        for model_position, raw_model in enumerate(raw_models, start=1):
            if not isinstance(raw_model, dict):
                out.add(line, f"model #{model_position} must be a mapping with id and name", type_id)
                continue
            model_line = line_of(raw_model)
            model_problems: list[str] = []
            model_id = read_id(raw_model, f"model #{model_position}:", model_problems)
            if model_id is not None and model_id in seen_models:
                model_problems.append(f"duplicate model id, first defined on line {seen_models[model_id]}")
            elif model_id is not None:
                seen_models[model_id] = model_line
            model_problems += unknown_keys(raw_model, MODEL_KEYS)
            model_name = raw_model.get("name")
            if not isinstance(model_name, str) or not model_name.strip():
                model_problems.append("name must be the model's name, e.g. Acme X20 Pro")
            model_aliases, more = read_text_list(raw_model.get("aliases"), "aliases")
            model_problems += more
            model_warranty = read_warranty(raw_model["warranty"], model_problems) if "warranty" in raw_model else warranty
            model_identifier = (
                read_identifier(raw_model["identifier"], model_problems) if "identifier" in raw_model else identifier
            )
            model_modes = read_modes(raw_model["modes"], "modes", model_problems) if "modes" in raw_model else modes
            model_loaner = read_flag(raw_model, "loaner", loaner, model_problems)
            for problem in model_problems:
                out.add(model_line, problem, model_id)
            if not model_problems and model_id and type_id and model_warranty is not None:
                models.append(
                    ProductModel(
                        id=model_id,
                        name=str(model_name).strip(),
                        type_id=type_id,
                        aliases=model_aliases,
                        warranty=model_warranty,
                        identifier=model_identifier,
                        modes=model_modes,
                        loaner=model_loaner,
                    )
                )
        if type_id:
            seen_types.add(type_id)
        if not problems and type_id and warranty is not None and models:
            types.append(
                ProductType(
                    id=type_id,
                    name=name,
                    aliases=aliases,
                    warranty=warranty,
                    identifier=identifier,
                    modes=modes,
                    onsite_free_in_warranty=onsite_free,
                    onsite_fee=onsite_fee,
                    loaner=loaner,
                    replacement_promise=promise,
                    models=tuple(models),
                )
            )
    return types, out.errors
