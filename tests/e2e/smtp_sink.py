"""smtp_sink - a one-shot SMTP server for the newsletter end-to-end test.
Listens on 127.0.0.1 on a free port (the port is the first line it prints),
saves each message's bytes as received (DIR/msg-N.eml) and its envelope
(DIR/msg-N.json), and exits after COUNT messages or TIMEOUT seconds,
whichever comes first. Loopback only. Needs aiosmtpd (python3-aiosmtpd).
Usage: smtp_sink.py DIR COUNT TIMEOUT"""
import asyncio
import json
import os
import socket
import sys

from aiosmtpd.smtp import SMTP

out, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])


class Sink:
    def __init__(self, done):
        self.n = 0
        self.done = done

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(out, f"msg-{self.n}")
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        if self.n >= count:
            self.done.set()
        return "250 OK"


async def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, no race: the socket is ours
    sock.listen(4)
    done = asyncio.Event()
    handler = Sink(done)
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(handler, hostname="localhost"), sock=sock)
    print(sock.getsockname()[1], flush=True)
    try:
        await asyncio.wait_for(done.wait(), timeout)
    except asyncio.TimeoutError:
        print(f"smtp_sink: no message within {timeout} s", file=sys.stderr)
    await asyncio.sleep(0.5)  # let the client say QUIT
    server.close()
    await server.wait_closed()


asyncio.run(main())
