#!/usr/bin/env python3
"""bench/rusage.py OUT CMD [ARG...] - runs CMD (standard output and error
kept) and appends "user_s sys_s wall_s peak_kB" for it to OUT: the child's
own resource usage from wait4, to the microsecond (GNU time's %U and %S
print hundredths, too coarse for a 40 ms document). Exits with CMD's
status."""
import os
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
with open(out, "a") as f:
    f.write("%.6f %.6f %.6f %d\n" % (ru.ru_utime, ru.ru_stime, wall, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
