# SPDX-License-Identifier: GPL-2.0-only
"""Boot the stress guest under QEMU and talk to its agent and to QMP.

Python standard library only, so tests and the probe run anywhere python3
does. The procedure is the one kmb stress follows in C (README.md beside
this file): the QEMU argv of qemu_argv(), READY on the agent socket as the
sign that a guest really runs, KVM first and TCG when KVM shows no READY.

    python3 kmbguest.py probe --kernel VMLINUZ --initrd INITRD.gz
prints one JSON object: the accelerator to use, why, and the boot times.
"""
import argparse
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

PROTO = "KMBAGENT 1 READY"
PR_SET_PDEATHSIG = 1


def qemu_argv(accel, kernel, initrd, rundir, qemu="qemu-system-x86_64",
              mem="1G", smp=1, append="", extra=()):
    """The argv of a stress guest: no disk, no NIC, nothing that blocks
    migration. Console (ttyS0) to rundir/console.log, agent line (ttyS1) on
    rundir/agent.sock, QMP on rundir/qmp.sock; QEMU listens on both sockets
    and does not wait for a client (wait=off), so the host connects after.
    extra is appended (e.g. ["-incoming", "defer"] for a destination)."""
    cmdline = "console=ttyS0 panic=-1 quiet no_timer_check kmb.agent=/dev/ttyS1 " + append
    return [
        qemu, "-accel", accel, "-machine", "q35", "-m", mem, "-smp", str(smp),
        "-nodefaults", "-nographic", "-no-reboot", "-monitor", "none",
        "-kernel", kernel, "-initrd", initrd, "-append", cmdline.strip(),
        "-device", "virtio-balloon-pci,id=balloon0",
        "-chardev", "file,id=con,path=" + os.path.join(rundir, "console.log"),
        "-serial", "chardev:con",
        "-chardev", "socket,id=agent,server=on,wait=off,path="
        + os.path.join(rundir, "agent.sock"),
        "-serial", "chardev:agent",
        "-qmp", "unix:" + os.path.join(rundir, "qmp.sock") + ",server=on,wait=off",
    ] + list(extra)


def _die_with_parent():
    # QEMU must not outlive whoever started it (a killed test, a crashed runner).
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _connect(path, deadline, proc):
    """Connect to a socket QEMU is about to create; None if QEMU died first."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.02)
    return None


class LineSocket:
    """A socket read as lines, with a deadline on each wait."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line within %.0f s" % timeout)
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def close(self):
        self.sock.close()


class Guest:
    """One QEMU with the stress guest; use as a context manager."""

    def __init__(self, kernel, initrd, accel="tcg", rundir=None, **kw):
        self.own_rundir = rundir is None
        self.rundir = rundir or tempfile.mkdtemp(prefix="kmb-guest-")
        self.argv = qemu_argv(accel, kernel, initrd, self.rundir, **kw)
        self.accel = accel
        self.proc = None
        self.agent = None
        self.qmp = None
        self.ready_line = None
        self.ready_s = None

    def start(self):
        err = open(os.path.join(self.rundir, "qemu.err"), "wb")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err,
                                     preexec_fn=_die_with_parent)
        err.close()
        return self

    def wait_ready(self, timeout):
        """Wait for the agent's READY line; False on timeout or QEMU exit."""
        deadline = self.t0 + timeout
        s = _connect(os.path.join(self.rundir, "agent.sock"), deadline, self.proc)
        if s is None:
            return False
        self.agent = LineSocket(s)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                return False
            try:
                line = self.agent.readline(min(left, 1.0))
            except TimeoutError:
                continue
            except EOFError:
                return False
            if line.startswith(PROTO):
                self.ready_line = line
                self.ready_s = time.monotonic() - self.t0
                return True

    def cmd(self, line, timeout=60):
        """Send one agent command and return its reply (repeated READY lines
        are skipped: the agent sends them until its first command)."""
        self.agent.send(line)
        while True:
            reply = self.agent.readline(timeout)
            if not reply.startswith("KMBAGENT "):
                return reply

    def qmp_connect(self, timeout=10):
        s = _connect(os.path.join(self.rundir, "qmp.sock"),
                     time.monotonic() + timeout, self.proc)
        if s is None:
            raise RuntimeError("no QMP socket")
        self.qmp = LineSocket(s)
        json.loads(self.qmp.readline(timeout))  # the greeting
        self.qmp_exec("qmp_capabilities")

    def qmp_exec(self, command, timeout=30, **args):
        msg = {"execute": command}
        if args:
            msg["arguments"] = args
        self.qmp.send(json.dumps(msg))
        while True:
            reply = json.loads(self.qmp.readline(timeout))
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (command, reply["error"]))
            return reply.get("return")

    def console_tail(self, n=400):
        try:
            with open(os.path.join(self.rundir, "console.log"), "rb") as f:
                data = f.read()
        except OSError:
            return ""
        # Terminal escapes (SeaBIOS clears the screen) say nothing in a reason.
        text = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|.)", "", data[-n:].decode(errors="replace"))
        return " | ".join(l.strip() for l in text.splitlines() if l.strip())

    def stderr_tail(self, n=300):
        try:
            with open(os.path.join(self.rundir, "qemu.err"), "rb") as f:
                return f.read()[-n:].decode(errors="replace").strip()
        except OSError:
            return ""

    def stop(self, timeout=10):
        """End QEMU: QMP quit if connected, else SIGTERM, then SIGKILL."""
        if self.proc is None:
            return
        first = signal.SIGTERM
        if self.proc.poll() is None and self.qmp is not None:
            try:
                self.qmp_exec("quit", timeout=timeout)
                first = None
            except (OSError, EOFError, RuntimeError, ValueError, TimeoutError):
                pass
        for sig in (first, signal.SIGKILL):
            if sig is not None and self.proc.poll() is None:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
                break
            except subprocess.TimeoutExpired:
                continue
        for c in (self.agent, self.qmp):
            if c is not None:
                c.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self.own_rundir:
            for name in os.listdir(self.rundir):
                os.unlink(os.path.join(self.rundir, name))
            os.rmdir(self.rundir)


def try_boot(accel, kernel, initrd, timeout, **kw):
    """Boot once and stop at READY: (ok, seconds, reason)."""
    with Guest(kernel, initrd, accel=accel, **kw) as g:
        if g.wait_ready(timeout):
            g.cmd("QUIT", timeout=10)
            return True, round(g.ready_s, 2), ""
        if g.proc.poll() is not None:
            why = "QEMU exited with status %d: %s" % (g.proc.returncode, g.stderr_tail())
        else:
            why = "no READY within %d s" % timeout
        tail = g.console_tail()
        return False, round(time.monotonic() - g.t0, 2), \
            why + ("; console ends: " + tail if tail else "; console empty")


def probe(kernel, initrd, kvm_timeout=20, tcg_timeout=120, **kw):
    """KVM when a guest boots to READY under it, else TCG, with the reason.
    /dev/kvm existing proves little: a nested or emulated KVM can create a VM
    and still never run a Linux guest, so only a real boot decides."""
    attempts = []
    reason = ""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        reason = "kvm: /dev/kvm missing or not accessible"
    else:
        ok, secs, why = try_boot("kvm", kernel, initrd, kvm_timeout, **kw)
        attempts.append({"accel": "kvm", "ok": ok, "seconds": secs, "reason": why})
        if ok:
            return {"accel": "kvm", "reason": "", "ready_s": secs, "attempts": attempts}
        reason = "kvm: " + why
    ok, secs, why = try_boot("tcg", kernel, initrd, tcg_timeout, **kw)
    attempts.append({"accel": "tcg", "ok": ok, "seconds": secs, "reason": why})
    if ok:
        return {"accel": "tcg", "reason": reason, "ready_s": secs, "attempts": attempts}
    return {"accel": None, "reason": reason + "; tcg: " + why, "ready_s": None,
            "attempts": attempts}


def main(argv):
    ap = argparse.ArgumentParser(prog="kmbguest.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("probe", help="pick the accelerator by a real boot")
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--kvm-timeout", type=float, default=20)
    p.add_argument("--tcg-timeout", type=float, default=120)
    a = ap.parse_args(argv)
    res = probe(a.kernel, a.initrd, a.kvm_timeout, a.tcg_timeout, qemu=a.qemu)
    print(json.dumps(res))
    return 0 if res["accel"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
