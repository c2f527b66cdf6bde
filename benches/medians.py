#!/usr/bin/env python3
"""Prints the median (and min/max) of each command of a hyperfine JSON
export, and each median as a multiple of the first command's.
usage: medians.py RESULTS.json"""
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
for r in results:
    print(
        f"{r['command']:<40} median {r['median'] * 1000:8.1f} ms"
        f"  (min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f}, {len(r['times'])} runs)"
        f"  {r['median'] / base:5.2f}x"
    )
