"""Fakes of what lies outside: the FCM push service and Google's token endpoint, over real HTTP."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class FakeFcm:
    """Answers like FCM HTTP v1: 200, or 404 UNREGISTERED for tokens starting "gone",
    503 for tokens starting "busy", and a long wait on the first message to a token starting "slow".
    Every message delivered is kept in `messages`; every one received in `received`."""

    def __init__(self):
        self.messages = []
        self.received = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tokens(self):
        return [message["message"]["token"] for message in self.messages]

    def service_account(self, path):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "heeljournal-test",
                    "private_key_id": "test",
                    "private_key": pem.decode(),
                    "client_email": "push@heeljournal-test.iam.gserviceaccount.com",
                    "client_id": "1",
                    "token_uri": f"{self.url}/token",
                }
            )
        )
        return path

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(fake):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/token":
                    return self._answer(
                        200, {"access_token": "fake-access", "expires_in": 3600, "token_type": "Bearer"}
                    )
                message = json.loads(body)
                token = message["message"]["token"]
                if token.startswith("slow") and token not in fake.received:
                    fake.received.append(token)
                    time.sleep(30)
                    return None
                fake.received.append(token)
                if token.startswith("gone"):
                    error = {"status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}
                    return self._answer(404, {"error": error})
                if token.startswith("busy"):
                    return self._answer(503, {"error": {"status": "UNAVAILABLE"}})
                fake.messages.append(message)
                return self._answer(200, {"name": f"projects/heeljournal-test/messages/{len(fake.messages)}"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:  # the client gave up or died: nothing to answer
                    pass

        return Handler


class FakeSmtp:
    """A mail server on 127.0.0.1 speaking enough SMTP for Django; it refuses bounce@ addresses."""

    def __init__(self):
        import socketserver

        fake = self
        self.messages = []

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                self.say("220 fake ESMTP")
                data = None
                for raw in self.rfile:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    if data is not None:
                        if line == ".":
                            fake.messages.append("\n".join(data))
                            data = None
                            self.say("250 queued")
                        else:
                            data.append(line)
                        continue
                    verb = line[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.say("250 fake")
                    elif verb == "RCPT" and "bounce@" in line.lower():
                        self.say("550 no such user")
                    elif verb == "DATA":
                        data = []
                        self.say("354 go on")
                    elif verb == "QUIT":
                        self.say("221 bye")
                        return
                    else:
                        self.say("250 ok")

            def say(self, text):
                self.wfile.write(f"{text}\r\n".encode())

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
