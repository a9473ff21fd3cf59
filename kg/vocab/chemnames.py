"""Name forms of chemical mentions for the linker: formulas, salts and acid/anion names.

Pure functions over strings. They give the ``candidates`` linker extra exact-lookup keys for Drug
mentions whose surface form no vocabulary lists (dev error analysis, BC5CDR dev with a
train-only terminology): formulas (``KCl``, ``NH4Ac``, ``NaHCO3``, ``CHCl3``), salts named with
their counter-ion (``penicillin-G potassium``, ``pentamidine isethionate``, ``disodium
edetate``) and anions named for their acid (``metrizoate`` -> Metrizoic Acid, ``kainate`` ->
Kainic Acid).
"""

from __future__ import annotations

import re

#: Element symbols -> names (the elements and ions that biomedical abstracts name by symbol).
ELEMENTS = {
    "H": "hydrogen",
    "Li": "lithium",
    "B": "boron",
    "C": "carbon",
    "N": "nitrogen",
    "O": "oxygen",
    "F": "fluorine",
    "Na": "sodium",
    "Mg": "magnesium",
    "Al": "aluminum",
    "Si": "silicon",
    "P": "phosphorus",
    "S": "sulfur",
    "Cl": "chlorine",
    "K": "potassium",
    "Ca": "calcium",
    "Cr": "chromium",
    "Mn": "manganese",
    "Fe": "iron",
    "Co": "cobalt",
    "Ni": "nickel",
    "Cu": "copper",
    "Zn": "zinc",
    "As": "arsenic",
    "Se": "selenium",
    "Br": "bromine",
    "Rb": "rubidium",
    "Sr": "strontium",
    "Ag": "silver",
    "Cd": "cadmium",
    "Sn": "tin",
    "I": "iodine",
    "Cs": "cesium",
    "Ba": "barium",
    "Pt": "platinum",
    "Au": "gold",
    "Hg": "mercury",
    "Tl": "thallium",
    "Pb": "lead",
    "Bi": "bismuth",
    "Gd": "gadolinium",
}
#: Cations of simple salts (formula prefix -> name).
CATIONS = {
    "NH4": "ammonium",
    **{s: ELEMENTS[s] for s in ("Li", "Na", "K", "Rb", "Cs", "Mg", "Ca", "Sr", "Ba", "Al", "Zn", "Cu", "Fe")},
    **{s: ELEMENTS[s] for s in ("Mn", "Co", "Ni", "Ag", "Cd", "Hg", "Pb", "Tl", "Gd", "Cr", "Sn", "Bi", "Pt", "Au")},
}
#: Anions of simple salts (formula suffix -> name).
ANIONS = {
    "F": "fluoride",
    "Cl": "chloride",
    "Br": "bromide",
    "I": "iodide",
    "OH": "hydroxide",
    "CN": "cyanide",
    "SCN": "thiocyanate",
    "NO3": "nitrate",
    "NO2": "nitrite",
    "SO4": "sulfate",
    "HSO4": "bisulfate",
    "SO3": "sulfite",
    "HSO3": "bisulfite",
    "CO3": "carbonate",
    "HCO3": "bicarbonate",
    "PO4": "phosphate",
    "HPO4": "phosphate",
    "H2PO4": "phosphate",
    "ClO4": "perchlorate",
    "MnO4": "permanganate",
    "CrO4": "chromate",
    "Cr2O7": "dichromate",
    "Ac": "acetate",
    "OAc": "acetate",
    "O": "oxide",
    "S": "sulfide",
}
#: Molecular formulas that are not salts of a table cation and anion (formula -> name).
MOLECULES = {
    "H2O": "water",
    "H2O2": "hydrogen peroxide",
    "NH3": "ammonia",
    "CO": "carbon monoxide",
    "CO2": "carbon dioxide",
    "NO": "nitric oxide",
    "N2O": "nitrous oxide",
    "NO2": "nitrogen dioxide",
    "SO2": "sulfur dioxide",
    "H2S": "hydrogen sulfide",
    "O2": "oxygen",
    "O3": "ozone",
    "N2": "nitrogen",
    "H2": "hydrogen",
    "Cl2": "chlorine",
    "HCl": "hydrochloric acid",
    "HF": "hydrofluoric acid",
    "HCN": "hydrogen cyanide",
    "HNO3": "nitric acid",
    "H2SO4": "sulfuric acid",
    "H3PO4": "phosphoric acid",
    "CH4": "methane",
    "CH3OH": "methanol",
    "C2H5OH": "ethanol",
    "CHCl3": "chloroform",
    "CH2Cl2": "methylene chloride",
    "CCl4": "carbon tetrachloride",
    "CS2": "carbon disulfide",
    "As2O3": "arsenic trioxide",
    "NaCl": "sodium chloride",
}
_CHARGE = re.compile(r"\s*(?:\(\s*\d*\s*[+-]\s*\)|\^?\d*[+-]+)$")
_HYDRATE = re.compile(r"\s*[.·•*]\s*\d*\s*H2O$")
_SALT = re.compile(
    r"^(?P<cat>{cat})(?P<n>[2-9]?)\(?(?P<an>{an})\)?(?P<m>[2-9]?)$".format(
        cat="|".join(sorted(map(re.escape, CATIONS), key=len, reverse=True)),
        an="|".join(sorted(map(re.escape, ANIONS), key=len, reverse=True)),
    )
)


def formula_name(text: str) -> str | None:
    """The name of a chemical formula or element symbol: ``KCl`` -> ``potassium chloride``, else None.

    Element symbols (``Cl``, ``Na+``, ``Ca(2+)``; charges and a trailing hydrate are dropped),
    table molecules (``NH3``, ``CHCl3``) and salts of one table cation and one table anion with
    optional counts (``NH4Ac``, ``NaHCO3``, ``CaCl2``, ``Mg(NO3)2``). An all-capitals spelling
    (``NH4CL``, ``KCL``) is read with the table's case when it spells exactly one entry.
    """
    core = _HYDRATE.sub("", text.strip())
    core = _CHARGE.sub("", core) if len(core) > 1 else core
    if not core or not core[0].isupper() or " " in core:
        return None
    for form in _case_forms(core):
        if form in MOLECULES:
            return MOLECULES[form]
        if form in ELEMENTS:
            return ELEMENTS[form]
        m = _SALT.match(form)
        if m:
            return f"{CATIONS[m.group('cat')]} {ANIONS[m.group('an')]}"
    return None


_ALL_SYMBOLS = sorted({*ELEMENTS, *CATIONS, *ANIONS, "Ac"}, key=len, reverse=True)


def _case_forms(core: str) -> list[str]:
    """``core``, and for an all-capitals text its unique re-casing into table symbols (``NH4CL`` -> ``NH4Cl``)."""
    if not core.isupper() or len(core) < 2:
        return [core]
    readings: list[str] = []

    def walk(rest: str, acc: str) -> None:
        if len(set(readings)) > 1:
            return
        if not rest:
            readings.append(acc)
            return
        if rest[0].isdigit():
            walk(rest[1:], acc + rest[0])
            return
        for sym in _ALL_SYMBOLS:
            if rest.upper().startswith(sym.upper()) and not sym[0].isdigit():
                walk(rest[len(sym) :], acc + sym)

    walk(core, "")
    unique = set(readings)
    return [core, *unique] if len(unique) == 1 else [core]


#: Counter-ion and hydrate words of salt names (normalized, lower case).
SALT_WORDS = frozenset(
    """sodium disodium trisodium potassium dipotassium calcium magnesium lithium ammonium zinc
    hydrochloride dihydrochloride hydrobromide hydroiodide hcl mesylate mesilate maleate fumarate
    hemifumarate tartrate bitartrate citrate succinate besylate besilate tosylate isethionate
    napsylate pamoate embonate gluconate lactate hyclate hydrate monohydrate dihydrate trihydrate
    sesquihydrate anhydrous salt""".split()
)
_SALT_SPLIT = re.compile(r"\s+")
_HALIDES = frozenset({"chloride", "bromide", "iodide"})
_ANION_WORDS = frozenset({*ANIONS.values(), "acetate", "phosphate", "oxalate", "chlorides"})


def strip_salt(norm: str) -> str | None:
    """A normalized salt name without its counter-ion and hydrate words, None when nothing (or all) is stripped.

    ``penicillin-g potassium`` -> ``penicillin-g``, ``disodium edetate`` -> ``edetate``,
    ``pentamidine isethionate`` -> ``pentamidine``, ``triphenyl tetrazolium chloride`` ->
    ``triphenyl tetrazolium`` (a halide after an ``-ium`` cation); a salt of a table cation and anion
    (``sodium chloride``, ``lithium carbonate``) has no parent compound: None.
    """
    words = [w for w in _SALT_SPLIT.split(norm) if w]
    kept = [w for w in words if w not in SALT_WORDS]
    if len(kept) > 1 and kept[-1] in _HALIDES and kept[-2].endswith("ium"):  # vecuronium bromide
        kept.pop()
    if not kept or len(kept) == len(words) or all(w in _ANION_WORDS for w in kept):
        return None
    return " ".join(kept)


_ATE = re.compile(r"(?<=[a-z]{3})ates?$")


def acid_name(norm: str) -> str | None:
    """The acid that a one-word anion name stands for: ``metrizoate`` -> ``metrizoic acid``, else None."""
    if " " in norm:
        return None
    out = _ATE.sub("ic acid", norm)
    return out if out != norm else None


def chemical_forms(norm: str) -> list[str]:
    """Extra lookup forms of a normalized Drug query: salt stripped, then acid names (original order kept)."""
    out: list[str] = []
    stripped = strip_salt(norm)
    for form in (stripped, acid_name(stripped or norm)):
        if form and form != norm and form not in out:
            out.append(form)
    return out
