"""`efs catalog import FILE --provider INN [--publish]` — load the cards of a registry the
region already keeps; `efs catalog search "QUERY" [--region CODE] [--limit N] --json` —
the depository search as the page runs it; `efs catalog reindex` — rebuild the search
index after the thesaurus changes. See docs/catalog.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _


class RussianParser(CommandParser):
    """argparse speaks English; the region's operator reads Russian."""

    def error(self, message: str):
        with translation.override("ru"):
            required = re.match(r"the following arguments are required: (.*)", message)
            unknown = re.match(r"unrecognized arguments: (.*)", message)
            if required:
                message = _("required arguments are missing: %(args)s") % {"args": required.group(1)}
            elif unknown:
                message = _("unexpected arguments: %(args)s") % {"args": unknown.group(1)}
            elif "invalid choice" in message:
                message = _("unknown action %(detail)s; the actions are import, search, reindex") % {
                    "detail": message.split("invalid choice:", 1)[1].split("(")[0].strip()
                }
            else:
                message = _("wrong arguments: %(detail)s") % {"detail": message}
        return super().error(message)


class Command(BaseCommand):
    help = "The program depository: import a registry's cards, search, rebuild the search index."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = RussianParser
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=RussianParser)
        load = actions.add_parser(
            "import", help="Import program cards (JSON or XLSX as the depository exports them): all or nothing."
        )
        load.add_argument("file")
        load.add_argument("--provider", required=True, help="INN of the provider organization")
        load.add_argument(
            "--publish", action="store_true", help="the cards passed review elsewhere: publish them at once"
        )
        find = actions.add_parser("search", help="Search published programs as the depository page does.")
        find.add_argument("query")
        find.add_argument("--region", default="", help="two-digit region code: only programs with cohorts open to it")
        find.add_argument("--limit", default="20", help="at most this many programs (1–1000)")
        find.add_argument(
            "--json", action="store_true", required=True, help="print a JSON list (the only output format)"
        )
        actions.add_parser("reindex", help="Rebuild the search index of published programs.")

    def handle(self, *args, **options) -> None:
        with translation.override("ru"):
            if options["action"] == "import":
                self._import(options)
            elif options["action"] == "search":
                self._search(options)
            else:
                from efs.catalog import search

                self.stdout.write(_("Programs indexed: %(n)s.") % {"n": search.reindex_all()})

    def _import(self, options) -> None:
        from efs.catalog.importexport import programs_register
        from efs.errors import DomainError
        from efs.people.public import Organization

        path = Path(options["file"])
        if path.suffix.lower() not in (".json", ".xlsx"):
            raise CommandError(
                _("The file must be .json or .xlsx (as the depository exports them): %(file)s") % {"file": path}
            )
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("The file cannot be read: %(file)s (%(error)s)") % {"file": path, "error": exc.strerror}
            ) from None
        providers = list(Organization.objects.filter(inn=options["provider"].strip()))
        if not providers:
            raise CommandError(_("No organization with INN %(inn)s.") % {"inn": options["provider"]})
        if len(providers) > 1:
            raise CommandError(
                _("Several organizations have INN %(inn)s; the import needs exactly one.")
                % {"inn": options["provider"]}
            )
        try:
            report = programs_register(
                provider=providers[0], file_name=path.name, content=content, publish=options["publish"]
            )
        except DomainError as exc:
            for error in exc.details or []:
                self.stderr.write(
                    _("Row %(row)s%(code)s: %(message)s")
                    % {
                        "row": error["row"],
                        "code": f" ({error['code']})" if error.get("code") else "",
                        "message": error["message"],
                    }
                )
            raise CommandError(exc.message) from None
        if options["publish"]:
            message = _("Imported and published %(n)s program(s) of %(provider)s.")
        else:
            message = _("Imported %(n)s program(s) of %(provider)s as drafts.")
        self.stdout.write(message % {"n": len(report.created), "provider": providers[0].name})

    def _search(self, options) -> None:
        from efs.catalog import queries
        from efs.people.public import Region

        limit = options["limit"]
        if not str(limit).isdigit() or not 1 <= int(limit) <= 1000:
            raise CommandError(_("--limit must be a whole number from 1 to 1000."))
        region_id = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"].strip()).first()
            if region is None:
                raise CommandError(_("No region with code %(code)s.") % {"code": options["region"]})
            region_id = region.pk
        query = options["query"].strip()
        if not query:
            raise CommandError(_("Give the words to search for."))
        filters = queries.SearchFilters(query=query[:200], region_id=region_id)
        ids, _total = queries.programs_search(filters)
        programs = queries.programs_page(ids[: int(limit)], region_id=region_id)
        self.stdout.write(json.dumps([queries.program_summary(p) for p in programs], ensure_ascii=False, indent=1))
        if not ids:
            suggestion = queries.search_suggestion(filters)
            if suggestion:
                self.stderr.write(_("Did you mean: %(query)s") % {"query": suggestion})
