#!/usr/bin/env python3
"""bench/rusage.py OUT CMD [ARG...] - runs CMD (standard output and error
kept) and appends "user_s sys_s wall_s peak_kB" for it to OUT: the child's
own resource usage from wait4, to the microsecond (GNU time's %U and %S
print hundredths, too coarse for a 40 ms document). Exits with CMD's
status.

The child is started with posix_spawn (glibc: clone with CLONE_VM and
CLONE_VFORK), not fork + exec: a forked Python child shares the parent's
page tables copy-on-write, and tearing them down at its exec was charged to
the child, 8-11 ms of system time on this host (/bin/true measured 10.8 ms
of CPU through fork + exec, 2.0 ms through posix_spawn). Either way the
peak RSS has a floor at this script's own (~13 MB): the kernel keeps the
memory the process had before its exec as its peak."""
import os
import shutil
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
prog = shutil.which(cmd[0]) or cmd[0]
t0 = time.monotonic()
try:
    pid = os.posix_spawn(prog, cmd, os.environ)
except OSError as e:
    sys.exit("rusage.py: %s: %s" % (cmd[0], e.strerror))
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
with open(out, "a") as f:
    f.write("%.6f %.6f %.6f %d\n" % (ru.ru_utime, ru.ru_stime, wall, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
