"""The roster import: a CSV file from the prison's records, dry run first, all or nothing.

Every row's outcome is reported; a real run writes only when no row has an
error, in one transaction, and importing the same file again changes nothing.
"""

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from apps.accounts.models import User
from apps.accounts.permissions import require_staff
from apps.audit.services import audit_record
from apps.facilities.models import Facility
from apps.people import hooks
from apps.people.models import Prisoner
from apps.people.services.prisoners import (
    FIELDS,
    Values,
    prisoner_values_assign,
    prisoner_values_diff,
    prisoner_values_rule_errors,
)
from apps.policy.models import Level
from lib.names import clean_name
from lib.numbers import is_prisoner_number, normalize_prisoner_number

REQUIRED_COLUMNS = ("number", *FIELDS[:-1])
ALL_COLUMNS = ("number", *FIELDS)
CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class RowOutcome:
    """What the import does (or would do) with one line of the file."""

    row: int  # the line of the file, the header being line 1
    number: str
    action: str  # CREATE, UPDATE, UNCHANGED or ERROR
    fields: tuple[str, ...] = ()  # the fields an update changes
    errors: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.action == UPDATE:
            return f"update: {', '.join(self.fields)}"
        if self.action == ERROR:
            return f"error: {' '.join(self.errors)}"
        return self.action


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    applied: bool = False
    cancelled: list[str] = field(default_factory=list)  # booking references

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(row.action for row in self.rows)
        return {action: found[action] for action in (CREATE, UPDATE, UNCHANGED, ERROR)}

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.action == ERROR for row in self.rows)


@dataclass
class _Row:
    line: int
    number: str
    values: Values
    errors: list[str]


def roster_import(*, actor: User, facility: Facility, csv_text: str, dry_run: bool) -> ImportReport:
    """Create and update prisoners from a CSV roster, all or nothing.

    The first line names the columns. A dry run reports every row's outcome
    and writes nothing; a real run writes only if no row has an error. A
    prisoner missing from the file is left as it is. Importing the same file
    twice changes nothing the second time.
    """
    require_staff(actor, facility.pk, "roster_import")
    report = ImportReport(dry_run=dry_run)
    rows = _parse(facility, csv_text, report)
    if report.file_errors:
        return report
    try:
        with transaction.atomic():
            _plan_and_apply(actor, facility, rows, report, csv_text)
    except IntegrityError:
        # Another import created one of these numbers meanwhile; this one rolled back whole.
        report.applied, report.cancelled = False, []
        report.file_errors.append(
            str(_("The roster changed while importing. Nothing was written; import again."))
        )
    return report


def _plan_and_apply(
    actor: User, facility: Facility, rows: list[_Row], report: ImportReport, csv_text: str
) -> None:
    existing = Prisoner.objects.filter(facility=facility).order_by("pk")
    if not report.dry_run:
        # The whole roster, in id order as lock_prisoners takes them: no booking,
        # ban or suspension decides on a prisoner this import is changing.
        existing = existing.select_for_update()
    by_number = {prisoner.number.upper(): prisoner for prisoner in existing}
    creates, updates = [], []
    for row in rows:
        prisoner = by_number.get(row.number)
        if row.errors:
            report.rows.append(RowOutcome(row.line, row.number, ERROR, errors=tuple(row.errors)))
        elif prisoner is None:
            report.rows.append(RowOutcome(row.line, row.number, CREATE))
            creates.append(Prisoner(facility=facility, number=row.number, **row.values))
        elif changed := prisoner_values_diff(prisoner, row.values):
            report.rows.append(RowOutcome(row.line, row.number, UPDATE, tuple(changed)))
            updates.append((prisoner, changed, row.values))
        else:
            report.rows.append(RowOutcome(row.line, row.number, UNCHANGED))
    if report.dry_run or report.has_errors:
        return
    _apply(actor, facility, creates, updates, report, csv_text)


def _apply(
    actor: User,
    facility: Facility,
    creates: list[Prisoner],
    updates: list[tuple[Prisoner, list[str], Values]],
    report: ImportReport,
    csv_text: str,
) -> None:
    Prisoner.objects.bulk_create(creates, batch_size=500)
    leaving: dict[str, list[int]] = defaultdict(list)
    for prisoner, changed, values in updates:
        if "status" in changed and values["status"] != Prisoner.Status.IN_CUSTODY:
            leaving[values["status"]].append(prisoner.pk)
        prisoner_values_assign(prisoner, values)
    if updates:
        Prisoner.objects.bulk_update(
            [prisoner for prisoner, _changed, _values in updates],
            list(FIELDS),
            batch_size=500,
        )
    for status, prisoner_ids in leaving.items():
        report.cancelled += hooks.future_visits_cancel(
            actor=actor, prisoner_ids=prisoner_ids, reason=str(_LEFT[status])
        )
    report.applied = True
    audit_record(
        actor=actor,
        action="roster.import",
        target=facility,
        facility_id=facility.pk,
        file_sha256=hashlib.sha256(csv_text.encode()).hexdigest(),
        rows=len(report.rows),
        created=report.counts[CREATE],
        updated=report.counts[UPDATE],
        unchanged=report.counts[UNCHANGED],
        cancelled=report.cancelled,
    )


_LEFT: dict[str, StrOrPromise] = {
    Prisoner.Status.RELEASED: _("The prisoner has been released."),
    Prisoner.Status.TRANSFERRED: _("The prisoner has been transferred to another prison."),
}


def _parse(facility: Facility, csv_text: str, report: ImportReport) -> list[_Row]:
    """The file's rows with their values or their errors; file-level problems go to the report."""
    if not csv_text.strip():
        report.file_errors.append(str(_("The file is empty.")))
        return []
    if "\x00" in csv_text:
        line = csv_text.count("\n", 0, csv_text.index("\x00")) + 1
        report.file_errors.append(
            str(_("Line %(line)d holds a NUL byte: this is not a CSV text file.") % {"line": line})
        )
        return []
    # Strict: a stray or unclosed quote is an error, not a guess at what was meant.
    reader = csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        first = next((cells for cells in reader if any(cell.strip() for cell in cells)), [])
        header = _header(first, report)
        if header is None:
            return []
        levels = {level.code: level for level in Level.objects.filter(facility=facility)}
        rows = [
            _row(reader.line_num, header, cells, levels)
            for cells in reader
            if any(cell.strip() for cell in cells)
        ]
    except csv.Error as exc:
        report.file_errors.append(
            str(
                _("Line %(line)d cannot be read as CSV (%(error)s). Nothing was read.")
                % {"line": reader.line_num, "error": exc}
            )
        )
        return []
    if not rows:
        report.file_errors.append(str(_("The file has a header line but no prisoners.")))
    _refuse_duplicates(rows)
    return rows


def _header(cells: list[str], report: ImportReport) -> list[str] | None:
    names = [cell.strip().lower() for cell in cells]
    expected = ", ".join(ALL_COLUMNS)
    unknown = [name for name in names if name not in ALL_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if unknown or missing or repeated:
        problems = {
            "unknown": ", ".join(unknown) or "-",
            "missing": ", ".join(missing) or "-",
            "repeated": ", ".join(repeated) or "-",
            "expected": expected,
        }
        report.file_errors.append(
            str(
                _(
                    "The first line must name the columns: %(expected)s (status may be left "
                    "out). Unknown: %(unknown)s. Missing: %(missing)s. Repeated: %(repeated)s."
                )
                % problems
            )
        )
        return None
    return names


def _row(line: int, header: list[str], cells: list[str], levels: dict[str, Level]) -> _Row:
    raw = dict(zip(header, (cell.strip() for cell in cells), strict=False))
    number = normalize_prisoner_number(raw.get("number", ""))
    if len(cells) != len(header):
        error = _("This row has %(found)d values; the header names %(expected)d columns.") % {
            "found": len(cells),
            "expected": len(header),
        }
        return _Row(line, number, {}, [str(error)])
    errors: list[str] = []
    values: Values = {}
    _required_text({**raw, "number": number}, "number", 30, errors)
    if number and not is_prisoner_number(number):
        errors.append(str(_("A prison number may hold only letters, digits and hyphens.")))
    values["full_name"] = _required_text(
        {**raw, "full_name": clean_name(raw.get("full_name", ""))}, "full_name", 200, errors
    )
    values["unit"] = _text(raw, "unit", 60, errors)
    values["level"] = _level(raw["level"], levels, errors)
    values["legal_status"] = _choice(raw, "legal_status", Prisoner.LegalStatus.values, errors)
    values["sentence_start"] = _date(raw, "sentence_start", errors)
    values["sentence_end"] = _date(raw, "sentence_end", errors)
    values["status"] = _choice(
        {**raw, "status": raw.get("status") or Prisoner.Status.IN_CUSTODY},
        "status",
        Prisoner.Status.values,
        errors,
    )
    if not errors:
        # The level came from this prison's own list, so only the sentence rules are left.
        errors += [e.messages[0] for e in prisoner_values_rule_errors(0, {**values, "level": None})]
    return _Row(line, number, values, errors)


def _required_text(raw: dict[str, str], name: str, limit: int, errors: list[str]) -> str:
    if not raw[name]:
        errors.append(str(_("The column %(column)s is empty.") % {"column": name}))
    return _text(raw, name, limit, errors)


def _text(raw: dict[str, str], name: str, limit: int, errors: list[str]) -> str:
    value = raw[name]
    if len(value) > limit:
        errors.append(
            str(
                _("The column %(column)s has more than %(limit)d characters.")
                % {"column": name, "limit": limit}
            )
        )
    return value


def _level(code: str, levels: dict[str, Level], errors: list[str]) -> Level | None:
    if not code:
        errors.append(str(_("The column %(column)s is empty.") % {"column": "level"}))
    elif code not in levels:
        errors.append(
            str(
                _("There is no level “%(code)s” at this prison; its levels are: %(known)s.")
                % {"code": code, "known": ", ".join(sorted(levels)) or "-"}
            )
        )
    return levels.get(code)


def _choice(raw: dict[str, str], name: str, choices: list[str], errors: list[str]) -> str:
    value = raw[name].lower()
    if not value:
        errors.append(str(_("The column %(column)s is empty.") % {"column": name}))
    elif value not in choices:
        errors.append(
            str(
                _("“%(value)s” is not a %(column)s; write one of: %(choices)s.")
                % {"value": raw[name], "column": name, "choices": ", ".join(choices)}
            )
        )
    return value


def _date(raw: dict[str, str], name: str, errors: list[str]) -> dt.date | None:
    value = raw[name]
    if not value:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(
            str(
                _("“%(value)s” in %(column)s is not a date; write it as YYYY-MM-DD.")
                % {"value": value, "column": name}
            )
        )
        return None


def _refuse_duplicates(rows: list[_Row]) -> None:
    lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.number:
            lines[row.number].append(row.line)
    for row in rows:
        found = lines.get(row.number, [])
        if len(found) > 1:
            row.errors.append(
                str(
                    _("The number %(number)s appears more than once in the file (lines %(lines)s).")
                    % {"number": row.number, "lines": ", ".join(map(str, found))}
                )
            )
