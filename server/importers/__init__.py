"""Committee imports (exam definition, question bank, roster): all or nothing, problems by row and field."""

from server.importers.bank import Bank, BankItem, BankOption, load_bank, load_bank_zip
from server.importers.definition import ExamDefinition, SectionDef, load_definition
from server.importers.media import Media
from server.importers.package import ExamPackage, build_package, load_dir
from server.importers.roster import Roster, RosterRow, load_roster

__all__ = [
    "Bank",
    "BankItem",
    "BankOption",
    "ExamDefinition",
    "ExamPackage",
    "Media",
    "Roster",
    "RosterRow",
    "SectionDef",
    "build_package",
    "load_bank",
    "load_bank_zip",
    "load_definition",
    "load_dir",
    "load_roster",
]
