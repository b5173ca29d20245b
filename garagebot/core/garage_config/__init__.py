"""A garage's set-up as one file: service templates, QC list, billing, SLA
targets, notification switches and WhatsApp template names.

``parse_config`` reads a YAML file into a typed ``GarageConfig`` (problems by
line), ``import_config`` applies it through the core services (all or
nothing, idempotent, audited) and ``read_config`` + ``to_yaml`` export it.
"""

from garagebot.core.garage_config.apply import ConfigInvalid, ImportResult, import_config
from garagebot.core.garage_config.export import read_config, to_yaml
from garagebot.core.garage_config.parse import parse_config
from garagebot.core.garage_config.schema import GarageConfig, Problem

__all__ = ["ConfigInvalid", "GarageConfig", "ImportResult", "Problem", "import_config", "parse_config",
           "read_config", "to_yaml"]
