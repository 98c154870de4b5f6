#!/usr/bin/env python3
"""Runs a command as the child of a process named "systemd", as systemd runs a service.

Microsoft.Extensions.Hosting.Systemd decides that it runs under systemd when its parent process's name
(/proc/<ppid>/comm) is "systemd"; this gives the tests that parent without a real PID 1. SIGTERM, SIGINT and
SIGHUP are passed on to the child; the exit code is the child's (128 + signal if a signal ended it).
"""
import ctypes
import signal
import subprocess
import sys

PR_SET_NAME = 15
ctypes.CDLL(None).prctl(PR_SET_NAME, b"systemd", 0, 0, 0)
child = subprocess.Popen(sys.argv[1:])
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, lambda received, _frame: child.send_signal(received))
code = child.wait()
sys.exit(128 - code if code < 0 else code)
