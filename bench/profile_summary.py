#!/usr/bin/env python3
"""Where a site.yml run's time goes, per play, from the profile_tasks output bench.py keeps.

  python3 bench/profile_summary.py bench/results/profiles/rerun-n10-*.txt

profile_tasks prints, under each task's banner, the time since the previous banner: that is the
previous task's duration. Each play's figure is the sum of its tasks'; what the run's wall clock
(bench.py's JSON) adds to the tasks' total is ansible-playbook's start-up and end.
"""

import re
import sys

BANNER = re.compile(r"^(PLAY|TASK) \[(.*)\] \*+")
TIMING = re.compile(r"\((\d+):(\d+):([\d.]+)\)\s+(\d+):(\d+):([\d.]+)")
RECAP = "PLAY RECAP"


def seconds(h, m, s):
    return int(h) * 3600 + int(m) * 60 + float(s)


def per_play(lines):
    """[(play, seconds)] in order, and the tasks' total (profile_tasks' last cumulative figure)."""
    plays, current_play, open_task, total = [], None, False, 0.0
    for line in lines:
        banner = BANNER.match(line)
        timing = TIMING.search(line)
        if timing and open_task:
            plays[-1][1] += seconds(*timing.groups()[:3])
            total = seconds(*timing.groups()[3:])
            open_task = False
        if banner and banner.group(1) == "PLAY":
            current_play = banner.group(2)
            plays.append([current_play, 0.0])
        elif banner and banner.group(1) == "TASK" and current_play is not None:
            open_task = True
        elif line.startswith(RECAP):
            break
    # The last task's time: profile_tasks' final cumulative line, after the recap.
    finals = [TIMING.search(line) for line in lines if TIMING.search(line)]
    if finals and plays:
        end = seconds(*finals[-1].groups()[3:])
        plays[-1][1] += max(0.0, end - total)
        total = end
    return [(name, round(value, 2)) for name, value in plays], round(total, 2)


def main(paths):
    for path in paths:
        with open(path) as handle:
            lines = handle.read().splitlines()
        plays, total = per_play(lines)
        print("%s: tasks %.2f s" % (path, total))
        for name, value in plays:
            print("  %6.2f  %s" % (value, name))


if __name__ == "__main__":
    main(sys.argv[1:])
