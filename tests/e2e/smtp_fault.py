"""smtp_fault - a scripted fake SMTP server for the failure tests: one
session on 127.0.0.1 (a free port), replies that can fail at any stage, and
STARTTLS with a certificate the test makes. Standard library only.

FakeSMTP(faults, starttls, auth_in_clear, tls, implicit_tls): `faults` maps a stage
(greeting, ehlo, starttls, auth, mail, rcpt, data, eod) to the reply line to
give instead of success ("554 5.3.0 no"), or to "close" (hang up instead of
replying); the stage "middata" closes after the first line of the message.
It records what the client sent before TLS (`clear`) and after (`secure`),
the stages reached, and the message when one was accepted (`received`).
With implicit_tls the whole session is TLS from the start (smtps://)."""
import socket
import ssl
import threading


class Hangup(Exception):
    pass


class FakeSMTP(threading.Thread):
    def __init__(self, faults=None, starttls=True, auth_in_clear=False, tls=None, implicit_tls=False):
        super().__init__(daemon=True)
        self.faults = faults or {}
        self.starttls, self.auth_in_clear, self.tls_ctx = starttls, auth_in_clear, tls
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]
        self.clear, self.secure = bytearray(), bytearray()
        self.stages, self.received, self.connected = [], None, False
        self.conn, self.buf, self.tls, self.implicit = None, b"", False, implicit_tls

    def run(self):
        try:
            self.conn, _ = self.sock.accept()
        except OSError:
            return
        finally:
            self.sock.close()
        self.connected = True
        self.conn.settimeout(20)
        try:
            if self.implicit:
                self.conn = self.tls_ctx.wrap_socket(self.conn, server_side=True)
                self.tls = True
            self.session()
        except (Hangup, OSError, ssl.SSLError):
            pass
        finally:
            self.conn.close()

    def send(self, text):
        self.conn.sendall(text.encode() + b"\r\n")

    def line(self):
        while b"\n" not in self.buf:
            data = self.conn.recv(65536)
            if not data:
                raise Hangup()
            (self.secure if self.tls else self.clear).extend(data)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def reply(self, stage, ok):
        """Replies `ok` unless the script fails this stage; True when it did not."""
        self.stages.append(stage)
        fault = self.faults.get(stage)
        if fault == "close":
            raise Hangup()
        self.send(fault or ok)
        return fault is None

    def session(self):
        self.reply("greeting", "220 localhost fake ESMTP")
        while True:
            words = self.line().decode("latin-1").split()
            cmd = words[0].upper() if words else ""
            if cmd in ("EHLO", "HELO"):
                lines = ["localhost"]
                if cmd == "EHLO":
                    if self.starttls and not self.tls:
                        lines.append("STARTTLS")
                    if self.tls or self.auth_in_clear:
                        lines.append("AUTH PLAIN LOGIN")
                    lines.append("8BITMIME")
                text = "\r\n".join(f"250{'-' if i < len(lines) - 1 else ' '}{l}" for i, l in enumerate(lines))
                self.reply("ehlo", text)
            elif cmd == "STARTTLS":
                if self.reply("starttls", "220 2.0.0 go ahead"):
                    self.conn = self.tls_ctx.wrap_socket(self.conn, server_side=True)
                    self.tls, self.buf = True, b""
            elif cmd == "AUTH":
                if len(words) < 3:  # no initial response: ask for it
                    self.send("334 ")
                    self.line()
                    if len(words) > 1 and words[1].upper() == "LOGIN":
                        self.send("334 UGFzc3dvcmQ6")
                        self.line()
                self.reply("auth", "235 2.7.0 accepted")
            elif cmd == "MAIL":
                self.reply("mail", "250 2.1.0 ok")
            elif cmd == "RCPT":
                self.reply("rcpt", "250 2.1.5 ok")
            elif cmd == "DATA":
                if self.reply("data", "354 go on"):
                    body = bytearray()
                    while True:
                        l = self.line()
                        if l == b".\r\n":
                            break
                        if "middata" in self.faults:
                            raise Hangup()
                        body += l[1:] if l.startswith(b"..") else l
                    if self.reply("eod", "250 2.0.0 queued"):
                        self.received = bytes(body)
            elif cmd == "QUIT":
                self.send("221 2.0.0 bye")
                return
            elif cmd in ("RSET", "NOOP"):
                self.send("250 2.0.0 ok")
            else:
                self.send("502 5.5.2 not implemented")
