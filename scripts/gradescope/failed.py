#!/usr/bin/env python3
"""failed.py — results.json for a submission that could not be graded (run_autograder).

  failed.py RESULTS_JSON REASON

Used only when `cowlab grade` wrote no results.json (it refused the machine, or could not run):
Gradescope's schema with score 0, no tests, and REASON in the output, as plain text. Written
aside and renamed, so a reader never sees half a file. Exit 0, or 1 if it cannot be written.
"""
import json
import os
import sys


def main():
    path = sys.argv[1]
    reason = sys.argv[2].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    result = {
        "score": 0,
        "execution_time": 0,
        "output_format": "text",
        "output": "cowlab: this submission could not be graded (0 points): the grader failed, "
                  "not your code. Tell your instructor.\n\n" + reason,
        "tests": [],
    }
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
