"""A local HTTPS server with the hosted token discovery API, and its self-signed CA (tests only).

POST /v1/clusters -> token; POST /v1/clusters/<token>?ttl=N body ip:port; GET -> JSON list;
DELETE -> removed. Certificates are made with the `cryptography` package.
"""

import datetime
import ipaddress
import json
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certs(folder, ip="127.0.0.1"):
    """A CA and a server certificate for ``ip``; returns (ca_path, cert_path, key_path)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dcswarm test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [str(folder / n) for n in ("ca.pem", "cert.pem", "key.pem")]
    with open(paths[0], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


class DiscoveryServer:
    def __init__(self, folder, ip="127.0.0.1"):
        self.clusters = {}
        self.requests = []
        self.ca, cert, key = make_certs(folder, ip)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, code, body=""):
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _token(self):
                parts = self.path.split("?")[0].strip("/").split("/")
                if parts[:2] != ["v1", "clusters"]:
                    return None, False
                return (parts[2] if len(parts) > 2 else None), True

            def do_POST(self):
                server.requests.append(("POST", self.path))
                token, ok = self._token()
                if not ok:
                    return self._answer(404)
                if token is None:
                    token = uuid.uuid4().hex
                    server.clusters[token] = []
                    return self._answer(200, token)
                length = int(self.headers.get("Content-Length") or 0)
                # An agent registers again every heartbeat: one entry per address, as the hosted service kept.
                entries = server.clusters.setdefault(token, [])
                entry = self.rfile.read(length).decode()
                if entry not in entries:
                    entries.append(entry)
                return self._answer(200)

            def do_GET(self):
                server.requests.append(("GET", self.path))
                token, ok = self._token()
                if not ok or token is None:
                    return self._answer(404)
                return self._answer(200, json.dumps(server.clusters.get(token, [])))

            def do_DELETE(self):
                server.requests.append(("DELETE", self.path))
                token, ok = self._token()
                if not ok or token not in server.clusters:
                    return self._answer(404, "not found")
                del server.clusters[token]
                return self._answer(200)

        self.httpd = ThreadingHTTPServer((ip, 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://%s:%d/v1" % (ip, self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
