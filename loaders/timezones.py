"""Time zone names as HR systems write them, read into IANA names (docs/people-format.md).

`read_timezone(value, location)` accepts:

- IANA names and links (`Europe/Berlin`, `US/Pacific`), stored as written;
- Windows names (`Central Standard Time`), mapped through CLDR windowsZones (the table the
  icalendar package ships) to the zone of the name's primary territory, with a note;
- legacy fixed-offset IANA zones without daylight saving time (`EST`, `MST`, `HST`,
  `Etc/GMT+5`, also `UTC`/`GMT`), stored as written, with a warning when the person's place
  observes DST: their windows would be an hour off for part of the year. The place is the
  person's `location`, matched against the tz database's city names (`New York`,
  `Los Angeles`) and ISO 3166 country names and codes (`Germany`, `DE`), also part by part
  (`Austin, United States`). When the location matches nothing, a warning is given whenever
  such a zone has a non-zero offset (`EST` usually means "US Eastern, with DST"); `UTC` and
  `GMT` are then taken as meant.

Anything else raises ValueError naming the value and what was expected, with a "did you
mean" where one exists: the same name in another case (`europe/berlin`), a zone whose
abbreviation it is (`PST` -> America/Los_Angeles, using the CLDR primary zones and tzdata's
abbreviations), the zone of the person's location, a close spelling. `GMT+1` / `UTC+1` are
refused: IANA has no such names and its `Etc/GMT+1` means UTC-01:00 (POSIX signs), the
opposite of what HR systems mean, so the offset is ambiguous.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from graph.text import label_key

_OFFSET_NAME = re.compile(r"^(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_LOCATION_PARTS = re.compile(r"[,;/()|\u2013\u2014]+|\s-\s")
_UTC_NAMES = frozenset({"UTC"})


@dataclass(frozen=True)
class ZoneReading:
    """What a time zone cell was read as.

    zone: the IANA name to store. note: how a name that is not IANA was read (Windows
    name), else None. warning: why the zone is likely wrong for the person (fixed offset in a
    place with DST), else None."""

    zone: str
    note: str | None = None
    warning: str | None = None


def read_timezone(value: str, location: str = "", *, on: date | None = None) -> ZoneReading:
    """Read one time zone cell (see the module doc). `location` is the person's location
    text; `on` the date whose year decides what observes DST (default today, UTC).

    Raises ValueError("unknown time zone 'PST': expected an IANA name ...; did you mean
    America/Los_Angeles?") for anything else."""
    name = value.strip()
    year = (on or datetime.now(UTC).date()).year
    if name in _zones():
        return ZoneReading(name, warning=_fixed_offset_warning(name, location, year))
    if name in WINDOWS_TO_OLSON:
        zone = WINDOWS_TO_OLSON[name]
        return ZoneReading(
            zone, note=f"{name!r} is a Windows time zone name: read as {zone} (CLDR windowsZones)"
        )
    raise ValueError(_unknown(name, location, year))


@lru_cache(maxsize=4096)
def location_zones(location: str) -> tuple[str, ...]:
    """IANA zones of a free-text location, sorted: tz database city names and ISO 3166 country
    names/codes, for the whole text or, failing that, for its parts. () when nothing matches.
    """
    text = location.strip()
    if not text:
        return ()
    index = _place_index()
    whole = index.get(label_key(text))
    if whole:
        return tuple(sorted(whole))
    found: set[str] = set()
    for part in _LOCATION_PARTS.split(text):
        found |= index.get(label_key(part), set())
    return tuple(sorted(found))


@lru_cache(maxsize=4096)
def observes_dst(zone: str, year: int) -> bool:
    """Whether the zone's UTC offset changes within `year` (checked monthly)."""
    return len(_offsets(zone, year)) > 1


def _offsets(zone: str, year: int) -> set[timedelta]:
    tz = ZoneInfo(zone)
    return {
        off
        for month in range(1, 13)
        if (off := datetime(year, month, 15, 12, tzinfo=tz).utcoffset()) is not None
    }


def _is_fixed_legacy(zone: str, year: int) -> bool:
    """A zone named for an offset or abbreviation (no Area/Location name, or Etc/...) that
    keeps one UTC offset all year: EST, MST, HST, Etc/GMT+5, UTC, GMT."""
    geographic = "/" in zone and not zone.startswith("Etc/")
    return not geographic and not observes_dst(zone, year)


def _fixed_offset_warning(zone: str, location: str, year: int) -> str | None:
    if not _is_fixed_legacy(zone, year):
        return None
    (offset,) = _offsets(zone, year)
    fixed = f"{zone} is UTC{_fmt(offset)} all year, without daylight saving time"
    places = location_zones(location)
    if places:
        dst = [z for z in places if observes_dst(z, year)]
        if not dst:
            return None
        return (
            f"{fixed}, but {location.strip()!r} observes it ({_alternatives(dst)}): windows "
            f"will be an hour off for part of the year; use {dst[0]}"
        )
    if offset == timedelta(0):
        return None
    guesses = [z for z in _by_abbreviation(zone) if observes_dst(z, year)]
    hint = f" (e.g. {guesses[0]})" if guesses else ""
    where = f"location {location.strip()!r} is not a place we know" if location.strip() else ""
    why = f"{where or 'no location given'}, so it cannot be checked"
    return (
        f"{fixed}; if the person's place observes daylight saving time, use its zone{hint} ({why})"
    )


def _fmt(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _alternatives(zones: Iterable[str], limit: int = 3) -> str:
    zones = list(zones)
    shown = ", ".join(zones[:limit])
    return shown + (f" or {len(zones) - limit} more" if len(zones) > limit else "")


def _unknown(name: str, location: str, year: int) -> str:
    expected = (
        "expected an IANA time zone such as Europe/Berlin, or a Windows name such as "
        "'W. Europe Standard Time'"
    )
    if not name:
        return f"empty time zone: {expected}"
    local = [z for z in location_zones(location) if "/" in z]
    offset = _OFFSET_NAME.match(name)
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), offset.group(3)
        what = (
            f"{name!r} is not an IANA time zone, and its offset is ambiguous: IANA's "
            f"Etc/GMT{sign}{hours} means UTC{'-' if sign == '+' else '+'}{hours:02d}:00 "
            f"(POSIX signs are inverted), while HR systems usually mean "
            f"UTC{sign}{hours:02d}:{minutes or '00'}; {expected}"
        )
        if local:
            return f"{what}; did you mean {_alternatives(local)} (from location {location!r})?"
        if not minutes and 0 < hours <= 12:
            flipped = "-" if sign == "+" else "+"
            return (
                f"{what}; did you mean the zone of the person's place, or Etc/GMT{flipped}"
                f"{hours} for a fixed UTC{sign}{hours:02d}:00 all year?"
            )
        return what
    suggestions: list[str] = []
    folded = _folded().get(name.casefold())
    if folded:
        suggestions.append(folded)
    windows = _folded_windows().get(name.casefold())
    if windows:
        suggestions.append(f"{windows!r} (Windows name, read as {WINDOWS_TO_OLSON[windows]})")
    by_abbr = _by_abbreviation(name.upper())
    if by_abbr:
        preferred = [z for z in by_abbr if z in local] or by_abbr
        suggestions.extend(z for z in preferred if z not in suggestions)
    elif local:
        suggestions.extend(local)
    if not suggestions:
        close = difflib.get_close_matches(name, sorted(_zones()), n=3, cutoff=0.8)
        suggestions.extend(close)
    text = f"unknown time zone {name!r}: {expected}"
    if suggestions:
        text += f"; did you mean {_alternatives(suggestions)}?"
    return text


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | _UTC_NAMES


@lru_cache(maxsize=1)
def _folded() -> dict[str, str]:
    return {z.casefold(): z for z in sorted(_zones())}


@lru_cache(maxsize=1)
def _folded_windows() -> dict[str, str]:
    return {w.casefold(): w for w in sorted(WINDOWS_TO_OLSON)}


@lru_cache(maxsize=64)
def _by_abbreviation(abbreviation: str) -> list[str]:
    """The CLDR primary zones (one per Windows name) that tzdata abbreviates `abbreviation`
    in January or July (`PST` -> America/Los_Angeles, America/Tijuana); those whose Windows
    name has these initials first (`Pacific Standard Time`)."""
    if not abbreviation.isalpha():
        return []
    year = datetime.now(UTC).year
    ranked: dict[str, int] = {}
    for windows, zone in WINDOWS_TO_OLSON.items():
        tz = ZoneInfo(zone)
        names = {datetime(year, m, 15, 12, tzinfo=tz).tzname() for m in (1, 7)}
        if abbreviation not in names:
            continue
        plain, qualified = windows.partition(" (")[::2]
        initials = "".join(w[0] for w in plain.split()).upper()
        rank = (0 if not qualified else 1) if initials == abbreviation else 2
        ranked[zone] = min(rank, ranked.get(zone, rank))
    return sorted(ranked, key=lambda z: (ranked[z], z))


@lru_cache(maxsize=1)
def _place_index() -> dict[str, set[str]]:
    """label_key of a place -> IANA zones: city names of geographic zones (last part of the
    name, `_` as space) and ISO 3166 country names and codes (tzdata's zone.tab)."""
    index: dict[str, set[str]] = {}
    for zone in _zones():
        if "/" in zone and not zone.startswith("Etc/"):
            city = zone.rsplit("/", 1)[1].replace("_", " ")
            index.setdefault(label_key(city), set()).add(zone)
    countries = _tab("iso3166.tab")
    for line in _tab("zone.tab"):
        code, _coords, zone = line[:3]
        index.setdefault(label_key(code), set()).add(zone)
    for code, country, *_ in countries:
        zones = index.get(label_key(code), set())
        index.setdefault(label_key(country), set()).update(zones)
        short = country.partition(" (")[0]  # "Britain (UK)" -> "Britain"
        index.setdefault(label_key(short), set()).update(zones)
    return index


def _tab(name: str) -> list[list[str]]:
    """Rows of a tzdata table (tab-separated, '#' comments), [] when tzdata lacks it."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return []
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
