#!/usr/bin/env python3
"""merge-results.py OUT.json RUN1 RUN2 ...: pools the repetitions of several
ipcbench runs (results directories or results.json) into one Google Benchmark
JSON, as `make baseline` does: a baseline made of runs at different times
carries the machine's run-to-run variation, not only one run's. Every
benchmark keeps all its repetitions (renumbered) and gets a fresh "median"
aggregate over them; the context is the first run's, plus baseline_runs."""
import json
import os
import statistics
import sys


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "results.json")
    with open(path) as f:
        return json.load(f)  # Google Benchmark writes NaN/Infinity bare; Python reads them


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: merge-results.py OUT.json RUN1 [RUN2 ...]")
    out, runs = argv[1], argv[2:]
    docs = [load(r) for r in runs]
    order, reps = [], {}
    for doc in docs:
        for b in doc.get("benchmarks", []):
            if b.get("run_type") != "iteration":
                continue
            key = b.get("run_name", b["name"])
            if key not in reps:
                order.append(key)
                reps[key] = []
            reps[key].append(dict(b))
    benchmarks = []
    for key in order:
        group = reps[key]
        for i, b in enumerate(group):
            b["repetitions"] = len(group)
            b["repetition_index"] = i
            benchmarks.append(b)
        ok = [b for b in group if not b.get("error_occurred")]
        if not ok or len(group) < 2:
            continue
        med = dict(ok[0])
        med.update(name=key + "_median", run_type="aggregate", aggregate_name="median",
                   aggregate_unit="time", repetitions=len(group), repetition_index=0)
        for field, value in ok[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and field not in ("family_index", "per_family_instance_index",
                                      "repetitions", "repetition_index", "threads"):
                values = [b[field] for b in ok if isinstance(b.get(field), (int, float))]
                med[field] = statistics.median(values)
        benchmarks.append(med)
    context = dict(docs[0].get("context", {}))
    context["baseline_runs"] = " ".join(os.path.basename(os.path.normpath(r)) for r in runs)
    context["repetitions"] = max((len(g) for g in reps.values()), default=0)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv)
