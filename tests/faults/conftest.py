"""Fault tests' shared pieces. A tiny real SMTP server on loopback, which the test switches:

- "accept": a plain SMTP dialogue; every message accepted is counted, by recipient;
- "refuse": the recipient is refused with `refuse_code` (550: the address does not exist);
- "tempfail": the greeting is `421` (service not available, try later), then it hangs up;
- "hang": the TCP connection is accepted and nothing is ever said.

Each connection reads the mode when it opens. `stop()` closes the listener and every
connection still open (the hung ones included)."""

import contextlib
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import uuid

import pytest

from celery_worker import PROJECT_DIR, database_url_for_worker, wait_until_ready
from config.celery import app as celery_app


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30  # a client that went away does not keep a thread for ever

    def handle(self):
        server: SMTPServer = self.server.owner
        mode = server.mode
        with server.lock:
            server.connections += 1
            server.open_sockets.add(self.request)
        try:
            if mode == "hang":
                server.hung.wait()  # until the test stops the server
                return
            if mode == "tempfail":
                self.say("421 4.3.2 try again later")
                return
            self.dialogue(server, mode)
        except OSError:
            pass
        finally:
            with server.lock:
                server.open_sockets.discard(self.request)

    def say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def dialogue(self, server, mode):
        self.say("220 faults.localhost ESMTP")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].split(":", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.say("250 faults.localhost")
            elif verb == "MAIL":
                recipients = []
                self.say("250 2.1.0 ok")
            elif verb == "RCPT":
                if mode == "refuse":
                    self.say(f"{server.refuse_code} 5.1.1 no such user")
                else:
                    recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                    self.say("250 2.1.5 ok")
            elif verb == "DATA":
                self.say("354 end with <CRLF>.<CRLF>")
                while self.rfile.readline() not in (b".\r\n", b".\n", b""):
                    pass
                with server.lock:
                    server.delivered.extend(recipients)
                self.say("250 2.0.0 queued")
            elif verb == "RSET":
                recipients = []
                self.say("250 ok")
            elif verb == "NOOP":
                self.say("250 ok")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("502 not implemented")


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPServer:
    def __init__(self):
        self.mode = "accept"
        self.refuse_code = 550
        self.lock = threading.Lock()
        self.delivered: list[str] = []
        self.connections = 0
        self.open_sockets: set[socket.socket] = set()
        self.hung = threading.Event()
        self._server = _ThreadingServer(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.hung.set()
        self._server.shutdown()
        self._server.server_close()
        with self.lock:
            for sock in list(self.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server of the test's own on loopback; Django's real SMTP backend points at
    it, with a 1 s timeout."""
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.stop()


class Worker:
    """A real Celery worker process (solo pool) on a queue of its own, which the test can kill
    with SIGKILL; this process publishes to its queue while it lives."""

    def __init__(self, tmp_path):
        self.queue = f"fault-{uuid.uuid4().hex[:8]}"
        self.outbox = tmp_path / self.queue
        self.outbox.mkdir()
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_worker(),
            "EMAIL_URL": f"filemail:///{self.outbox}",
            "PYTHONPATH": str(PROJECT_DIR / "src"),
            "CELERY_QUEUE": self.queue,
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
        command += ["-n", f"{self.queue}@%h", "-Q", self.queue, "--without-gossip"]
        command += ["--without-mingle", "-l", "WARNING"]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        celery_app.conf.task_default_queue = self.queue
        wait_until_ready(self.queue)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.communicate(timeout=30)[0].decode()


@pytest.fixture
def start_worker(tmp_path, django_db_setup):
    """`start_worker()`: a new worker (see Worker); all are stopped at the end of the test."""
    default_queue = celery_app.conf.task_default_queue
    workers: list[Worker] = []

    def start() -> Worker:
        workers.append(Worker(tmp_path))
        return workers[-1]

    try:
        yield start
    finally:
        celery_app.conf.task_default_queue = default_queue
        for worker in workers:
            print(worker.stop())  # shown by pytest when the test fails
