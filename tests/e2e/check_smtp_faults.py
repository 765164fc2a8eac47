"""Every way an SMTP delivery can fail, against the scripted fake server of
smtp_fault.py on 127.0.0.1 (see smtp_faults.sh): connection refused; 4xx and
5xx replies, or the server hanging up, at the greeting, EHLO/HELO, STARTTLS,
AUTH, MAIL FROM, RCPT TO, DATA and the end of data; a hang-up in the middle
of the message; a server that offers no STARTTLS while the URL carries a
login. Each must exit 1 with the package kept, and a delivery that works
must exit 0. In every case the password (as written in the URL,
percent-decoded, and in the base64 forms AUTH sends) appears in no output:
stdout, stderr, nor any file written; and nothing of the login crosses the
connection before TLS. Also: a 712-byte recipient is refused naming --to
(nothing written, no connection); a bad URL and a misplaced URL are shown
without their password. Args: WORK BRIEFPRESS."""
import base64
import os
import shutil
import socket
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfcheck import check, finish
from smtp_fault import FakeSMTP

work, bp = sys.argv[1], sys.argv[2]
HOME = os.path.join(work, "home")  # no ~/.netrc of the developer's
os.makedirs(HOME, exist_ok=True)
ENV = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFPRESS_SMTP_")}
ENV.update(SOURCE_DATE_EPOCH="1712102400", HOME=HOME)
NAME = "mail.example.test"  # a name that is not loopback, pinned to 127.0.0.1 with --resolve
BRIEF = "data/briefs/nk-missions.json"
USER, PW_URL, PW = "desk", "Zq8%21vTm-sEcr3t", "Zq8!vTm-sEcr3t"
SECRETS = [PW_URL, PW, base64.b64encode(f"\0{USER}\0{PW}".encode()).decode(),
           base64.b64encode(PW.encode()).decode()]

# a throw-away certificate for 127.0.0.1, trusted through --cacert
cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", f"subjectAltName=IP:127.0.0.1,DNS:{NAME}"], capture_output=True, text=True)
if not check(r.returncode == 0, f"openssl req: {r.stderr.strip()}"):
    finish("smtp_faults")
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)


def leaks(label, texts, folder):
    """The password in any of its forms in the outputs or in a file written."""
    found = [f"{label}: the password is in {where}" for where, t in texts
             for s in SECRETS if s in t]
    for dirpath, _, files in os.walk(folder):
        for f in files:
            data = open(os.path.join(dirpath, f), "rb").read()
            found += [f"{label}: the password is in {f}" for s in SECRETS if s.encode() in data]
    return found


def newsletter(label, url, extra=(), to="b@example.org", env=None):
    out = os.path.join(work, label)
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([bp, "newsletter", BRIEF, "-o", out, "--from", "a@example.org", "--to", to,
                        "--send", url, "--cacert", cert, *extra],
                       capture_output=True, text=True, env=env or ENV, timeout=120)
    for msg in leaks(label, [("stdout", r.stdout), ("stderr", r.stderr)], out):
        check(False, msg)
    return r, out


def clear_ok(label, server):
    """Nothing of the login before TLS: no AUTH command, no password."""
    clear = bytes(server.clear)
    check(b"AUTH" not in clear.upper(), f"{label}: AUTH was sent before TLS: {clear[:300]!r}")
    for s in SECRETS:
        check(s.encode() not in clear, f"{label}: the password crossed the connection in clear")


def url_for(port, scheme="smtp"):
    return f"{scheme}://{USER}:{PW_URL}@127.0.0.1:{port}"


def expect_failure(label, faults=None, want=(), scheme="smtp", **server_opts):
    server = FakeSMTP(faults, tls=tls, **server_opts)
    server.start()
    r, out = newsletter(label, url_for(server.port, scheme))
    server.join(30)
    err = r.stderr.strip()
    check(r.returncode == 1, f"{label}: exit {r.returncode}, expected 1: {err}")
    check("sending the message failed" in err, f"{label}: message: {err}")
    check(f"{scheme}://{USER}:***@127.0.0.1" in err, f"{label}: the URL is not shown redacted: {err}")
    check("the package is written" in err and os.path.isdir(out) and len(os.listdir(out)) == 3,
          f"{label}: the package should stay on disk: {err}")
    for w in want:
        check(w in err, f"{label}: expected '{w}' in: {err}")
    check(server.received is None, f"{label}: the server accepted a message")
    clear_ok(label, server)
    return server, err


cases = 0
# connection refused: a port that was free a moment ago
s = socket.socket()
s.bind(("127.0.0.1", 0))
dead = s.getsockname()[1]
s.close()
r, out = newsletter("refused", url_for(dead))
check(r.returncode == 1 and "sending the message failed" in r.stderr, f"refused: exit {r.returncode}: {r.stderr}")
check(f"{USER}:***@" in r.stderr, f"refused: the URL is not shown redacted: {r.stderr}")
cases += 1

# every stage, a temporary and a permanent refusal, and a hang-up
STAGE_WORDS = {"greeting": None, "ehlo": "at EHLO", "starttls": "at STARTTLS", "auth": "at AUTH",
               "mail": "at MAIL FROM", "rcpt": "at RCPT TO", "data": "at DATA", "eod": "at end of data"}
stages = [("greeting", "421 4.3.2 busy", "554 5.3.0 no service"),
          ("ehlo", "421 4.3.2 busy", "550 5.5.1 no"),
          ("starttls", "454 4.7.0 TLS not available", "554 5.7.0 no TLS for you"),
          ("auth", "454 4.7.0 try later", "535 5.7.8 bad credentials"),
          ("mail", "451 4.3.0 try later", "550 5.1.0 sender refused"),
          ("rcpt", "450 4.2.1 mailbox busy", "550 5.1.1 no such user"),
          ("data", "451 4.3.0 try later", "554 5.3.4 no"),
          ("eod", "452 4.3.1 out of space", "554 5.6.0 message refused")]
for stage, temp, perm in stages:
    where = [STAGE_WORDS[stage]] if STAGE_WORDS[stage] else []
    for reply in (temp, perm):
        label = f"{stage}-{reply[:3]}"  # the stage named, the server's reply quoted
        srv, _ = expect_failure(label, {stage: reply}, want=where + [f'"{reply}"'])
        check(stage in srv.stages, f"{label}: the client never reached {stage}: {srv.stages}")
        cases += 1
    srv, _ = expect_failure(f"{stage}-close", {stage: "close"}, want=where)
    check(stage in srv.stages, f"{stage}-close: the client never reached {stage}: {srv.stages}")
    cases += 1
srv, err = expect_failure("middata-close", {"middata": "close"})
check("at DATA" in err or "at end of data" in err, f"middata-close: no stage named: {err}")
check("data" in srv.stages, f"middata-close: the client never reached DATA: {srv.stages}")
cases += 1

# a login, but no STARTTLS (and AUTH offered in clear): refused, nothing sent
srv, _ = expect_failure("no-starttls", starttls=False, auth_in_clear=True, want=["no STARTTLS"])
check("auth" not in srv.stages and "mail" not in srv.stages,
      f"no-starttls: the client went on after EHLO: {srv.stages}")
cases += 1

# smtps:// (TLS from the start): a refused login, a refused recipient
for stage, reply in (("auth", "535 5.7.8 bad credentials"), ("rcpt", "550 5.1.1 no such user")):
    expect_failure(f"smtps-{stage}", {stage: reply}, want=[STAGE_WORDS[stage], f'"{reply}"'],
                   scheme="smtps", implicit_tls=True)
    cases += 1

# the same servers, working: delivered with the login over STARTTLS and smtps://
for label, scheme, opts in (("delivered", "smtp", {}), ("delivered-smtps", "smtps", {"implicit_tls": True})):
    srv = FakeSMTP(tls=tls, **opts)
    srv.start()
    r, out = newsletter(label, url_for(srv.port, scheme))
    srv.join(30)
    check(r.returncode == 0, f"{label}: exit {r.returncode}: {r.stderr.strip()}")
    check(f"through {scheme}://{USER}:***@127.0.0.1:{srv.port}" in r.stdout, f"{label}: stdout: {r.stdout}")
    check("auth" in srv.stages and srv.received is not None, f"{label}: stages {srv.stages}")
    emls = [f for f in os.listdir(out) if f.endswith(".eml")] if os.path.isdir(out) else []
    if check(len(emls) == 1 and srv.received is not None, f"{label}: no .eml or nothing received"):
        sent = open(os.path.join(out, emls[0]), "rb").read()
        check(srv.received == sent, f"{label}: the bytes received differ from the .eml")
    clear_ok(label, srv)
    cases += 1

# the login from the environment and from ~/.netrc, the URL without one: delivered over
# STARTTLS, the password sent (after TLS) and shown nowhere; the URL's warning is not given
def logged_in(label, srv):
    secure = bytes(srv.secure)
    return check(any(x.encode() in secure for x in SECRETS[2:]),
                 f"{label}: the server got no login with the password: {srv.stages}")


netrc = os.path.join(HOME, ".netrc")
for label, env, netrc_text in (
        ("env-login", dict(ENV, BRIEFPRESS_SMTP_USER=USER, BRIEFPRESS_SMTP_PASSWORD=PW), None),
        ("netrc-login", ENV, f"machine other.example.org login x password y\n"
                             f"machine 127.0.0.1\n  login {USER}\n  password \"{PW}\"\n"),
        ("netrc-default", ENV, f"default login {USER} password {PW}\n")):
    if netrc_text is not None:
        with open(netrc, "w") as f:
            f.write(netrc_text)
        os.chmod(netrc, 0o600)
    srv = FakeSMTP(tls=tls)
    srv.start()
    r, out = newsletter(label, f"smtp://127.0.0.1:{srv.port}", env=env)
    srv.join(30)
    check(r.returncode == 0, f"{label}: exit {r.returncode}: {r.stderr.strip()}")
    check("warning" not in r.stderr, f"{label}: a warning: {r.stderr.strip()}")
    check("auth" in srv.stages and srv.received is not None, f"{label}: stages {srv.stages}")
    logged_in(label, srv)
    clear_ok(label, srv)
    if os.path.exists(netrc):
        os.remove(netrc)
    cases += 1

# a password in the URL works, with a warning that ps shows it
srv = FakeSMTP(tls=tls)
srv.start()
r, out = newsletter("url-login-warns", url_for(srv.port))
srv.join(30)
check(r.returncode == 0 and "warning" in r.stderr and "BRIEFPRESS_SMTP_PASSWORD" in r.stderr,
      f"url-login-warns: exit {r.returncode}: {r.stderr.strip()}")
cases += 1

# a netrc that others may read: refused (as ftp does), saying chmod 600; no connection
with open(netrc, "w") as f:
    f.write(f"machine 127.0.0.1 login {USER} password {PW}\n")
os.chmod(netrc, 0o644)
srv = FakeSMTP(tls=tls)
srv.start()
r, out = newsletter("netrc-open", f"smtp://127.0.0.1:{srv.port}")
check(r.returncode == 1 and "chmod 600" in r.stderr, f"netrc-open: exit {r.returncode}: {r.stderr.strip()}")
check(not srv.connected, "netrc-open: the server was contacted")
socket.create_connection(("127.0.0.1", srv.port)).close()
srv.join(30)
os.remove(netrc)
cases += 1

# --netrc-file FILE, and a user without a password: an error naming what to set
alt = os.path.join(work, "alt-netrc")
with open(alt, "w") as f:
    f.write(f"machine 127.0.0.1 login {USER} password {PW}\n")
os.chmod(alt, 0o600)
srv = FakeSMTP(tls=tls)
srv.start()
r, out = newsletter("netrc-file", f"smtp://127.0.0.1:{srv.port}", extra=["--netrc-file", alt])
srv.join(30)
check(r.returncode == 0 and "auth" in srv.stages, f"netrc-file: exit {r.returncode}: {r.stderr.strip()}")
logged_in("netrc-file", srv)
os.remove(alt)  # the later cases look for the password in every file of the work folder
r, out = newsletter("user-no-password", f"smtp://{USER}@127.0.0.1:1")
check(r.returncode == 1 and "no password" in r.stderr and "BRIEFPRESS_SMTP_PASSWORD" in r.stderr,
      f"user-no-password: exit {r.returncode}: {r.stderr.strip()}")
cases += 2

# TLS is required for any host but loopback, login or not: a name that resolves to 127.0.0.1
# (pinned with --resolve) is not loopback, so a server without STARTTLS gets nothing ...
srv = FakeSMTP(tls=tls, starttls=False)
srv.start()
r, out = newsletter("name-no-starttls", f"smtp://{NAME}:{srv.port}",
                    extra=["--resolve", f"{NAME}:{srv.port}:127.0.0.1"])
srv.join(30)
check(r.returncode == 1 and "offers no STARTTLS" in r.stderr and "only to this machine" in r.stderr,
      f"name-no-starttls: exit {r.returncode}: {r.stderr.strip()}")
check(srv.connected and "mail" not in srv.stages and srv.received is None,
      f"name-no-starttls: the client went on after EHLO: {srv.stages}")
check(b"MAIL FROM" not in bytes(srv.clear).upper(), "name-no-starttls: MAIL FROM sent in clear")
# ... while one that offers it gets the message over TLS only
srv = FakeSMTP(tls=tls)
srv.start()
r, out = newsletter("name-starttls", f"smtp://{NAME}:{srv.port}",
                    extra=["--resolve", f"{NAME}:{srv.port}:127.0.0.1"])
srv.join(30)
check(r.returncode == 0 and srv.received is not None, f"name-starttls: exit {r.returncode}: {r.stderr.strip()}")
check(b"MAIL FROM" not in bytes(srv.clear).upper() and b"MAIL FROM" in bytes(srv.secure).upper(),
      "name-starttls: the envelope was not sent over TLS")
# and 127.0.0.1 itself without a login may still be used in clear (a local relay)
srv = FakeSMTP(tls=tls, starttls=False)
srv.start()
r, out = newsletter("loopback-clear", f"smtp://127.0.0.1:{srv.port}")
srv.join(30)
check(r.returncode == 0 and srv.received is not None, f"loopback-clear: exit {r.returncode}: {r.stderr.strip()}")
cases += 3

# a 712-byte recipient: refused, named, nothing written, no connection
srv = FakeSMTP(tls=tls)
srv.start()
long_to = "x" * 700 + "@example.org"
r, out = newsletter("long-rcpt", url_for(srv.port), to=long_to)
check(r.returncode == 1 and "--to" in r.stderr and "712 bytes" in r.stderr,
      f"long-rcpt: exit {r.returncode}: {r.stderr.strip()}")
check(not os.path.exists(out), "long-rcpt: a package was written")
check(not srv.connected, "long-rcpt: the server was contacted")
socket.create_connection(("127.0.0.1", srv.port)).close()  # let the server thread end
srv.join(30)
cases += 1

# a URL that is not smtp://, and a URL where an input belongs: shown redacted
for label, args in [("bad-scheme", ["--send", f"http://{USER}:{PW_URL}@127.0.0.1:1"]),
                    ("misplaced", [url_for(1)])]:
    out = os.path.join(work, label)
    r = subprocess.run([bp, "newsletter", BRIEF, "-o", out, "--from", "a@example.org", "--to",
                        "b@example.org", *args], capture_output=True, text=True, env=ENV, timeout=60)
    check(r.returncode == 2 and f"{USER}:***@" in r.stderr, f"{label}: exit {r.returncode}: {r.stderr.strip()}")
    for msg in leaks(label, [("stdout", r.stdout), ("stderr", r.stderr)], work):
        check(False, msg)
    cases += 1

print(f"smtp_faults: {cases} cases")
finish("smtp_faults")
