#!/usr/bin/python3
"""The control plane seen by a client that is not golo's own: Python's grpcio
with stubs generated from proto/golo.proto at test time. Starts golo-hosts
serving TLS (certificates made by openssl now) with tokens, one of them
requiring client certificates, and checks who may do what.
Prints 'N passed, N failed' and exits non-zero on any failure."""
import argparse
import hashlib
import os
import shutil
import subprocess

from grpc_client_support import Checks, Hosts, fresh_work_dir, load_stubs  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--host-binary", required=True)
parser.add_argument("--proto", required=True)
parser.add_argument("--plugins", required=True)
parser.add_argument("--make-certs", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()

fresh_work_dir(args.work)
grpc, golo_pb2, golo_pb2_grpc = load_stubs(args.proto, args.work)

certs = os.path.join(args.work, "certs")
subprocess.run([args.make_certs, certs], check=True)


def pem(name):
    with open(os.path.join(certs, name), "rb") as f:
        return f.read()


TOKENS = {"read": "py-read-token-00000001", "trigger": "py-trigger-token-0002",
          "admin": "py-admin-token-0000003"}
tokens_file = os.path.join(args.work, "tokens")
with open(os.open(tokens_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    for role, token in TOKENS.items():
        f.write("%s %s\n" % (role, token))

plugins = os.path.join(args.work, "plugins")
os.makedirs(plugins)
shutil.copy(os.path.join(args.plugins, "noop.so"), plugins)

hosts = Hosts(args.host_binary, args.work)
channels = []


def track(channel):
    # Closed before the hosts stop: a client still retrying a refused
    # handshake would hold a host's shutdown for seconds.
    channels.append(channel)
    return channel


def start(extra, name):
    return hosts.start(plugins, ["--tls-cert", os.path.join(certs, "server.pem"),
                                 "--tls-key", os.path.join(certs, "server.key"),
                                 "--tokens", tokens_file] + extra, name)


checks = Checks()
check = checks.check


def code_of(fn):
    try:
        fn()
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as e:
        return e.code(), e.details()


def bearer(role):
    return [("authorization", "Bearer " + TOKENS[role])]


try:
    addr = start([], "tls")
    mtls_addr = start(["--tls-client-ca", os.path.join(certs, "ca.pem")], "mtls")

    # Plaintext to a TLS port fails.
    plain = golo_pb2_grpc.JobStub(track(grpc.insecure_channel(addr)))
    code, _ = code_of(lambda: plain.Trigger(golo_pb2.Context(jobName="noop"),
                                            metadata=bearer("trigger"), timeout=5))
    check("plaintext to the TLS port fails", code == grpc.StatusCode.UNAVAILABLE, code)

    channel = track(grpc.secure_channel(addr, grpc.ssl_channel_credentials(root_certificates=pem("ca.pem"))))
    job = golo_pb2_grpc.JobStub(channel)
    host = golo_pb2_grpc.HostStub(channel)

    code, details = code_of(lambda: job.Trigger(golo_pb2.Context(jobName="noop"), timeout=5))
    check("TLS without a token is UNAUTHENTICATED", code == grpc.StatusCode.UNAUTHENTICATED, code)
    check("UNAUTHENTICATED names the role", "needs the trigger role" in details, details)

    r = job.Trigger(golo_pb2.Context(jobName="noop"), metadata=bearer("trigger"), timeout=5)
    check("a trigger token triggers", r.jobName == "noop", r)
    code, details = code_of(lambda: host.Reload(golo_pb2.ReloadRequest(), metadata=bearer("trigger"),
                                                timeout=5))
    check("a trigger token may not reload", code == grpc.StatusCode.PERMISSION_DENIED, code)
    check("PERMISSION_DENIED names the role",
          details == "golo.Host/Reload needs the admin role; this token has the trigger role", details)

    code, _ = code_of(lambda: host.Reload(golo_pb2.ReloadRequest(), metadata=bearer("admin"), timeout=5))
    check("an admin token reloads", code == grpc.StatusCode.OK, code)

    # Push, client-streaming, as any client may speak it.
    with open(os.path.join(args.plugins, "abi_tour.so"), "rb") as f:
        blob = f.read()
    sha = hashlib.sha256(blob).hexdigest()

    def chunks(declared_sha):
        yield golo_pb2.PushChunk(job="pytour", size=len(blob), sha256=declared_sha, data=blob[:4096])
        for i in range(4096, len(blob), 4096):
            yield golo_pb2.PushChunk(data=blob[i:i + 4096])

    resp = host.Push(chunks(sha), metadata=bearer("admin"), timeout=10)
    check("an admin token pushes", resp.plugin.outcome == golo_pb2.FileOutcome.ADDED, resp)
    check("the pushed build serves", resp.sha256 == sha, resp.sha256)
    r = job.Trigger(golo_pb2.Context(jobName="pytour"), metadata=bearer("trigger"), timeout=5)
    check("the pushed job answers", r.output.startswith("hello from pytour"), r.output)
    code, details = code_of(lambda: host.Push(chunks("0" * 64), metadata=bearer("admin"), timeout=10))
    check("a corrupted push is DATA_LOSS", code == grpc.StatusCode.DATA_LOSS, code)
    code, details = code_of(lambda: host.Push(chunks(sha), metadata=bearer("trigger"), timeout=10))
    check("a trigger token may not push", code == grpc.StatusCode.PERMISSION_DENIED, code)
    check("push needs admin", "golo.Host/Push needs the admin role" in details, details)

    # Health stays open; reflection needs read.
    health = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b,
                                 response_deserializer=lambda b: b)
    code, _ = code_of(lambda: health(b"", timeout=5))
    check("health is open", code == grpc.StatusCode.OK, code)
    reflect = channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                    request_serializer=lambda b: b, response_deserializer=lambda b: b)
    code, _ = code_of(lambda: b"".join(reflect(iter([b"\x3a\x00"]), timeout=5)))
    check("reflection without a token is UNAUTHENTICATED", code == grpc.StatusCode.UNAUTHENTICATED, code)
    answer = b"".join(reflect(iter([b"\x3a\x00"]), metadata=bearer("read"), timeout=5))
    check("reflection with read lists golo.Host", b"golo.Host" in answer, answer)

    # Mutual TLS: no client certificate, no connection.
    no_cert = golo_pb2_grpc.JobStub(track(grpc.secure_channel(
        mtls_addr, grpc.ssl_channel_credentials(root_certificates=pem("ca.pem")))))
    code, _ = code_of(lambda: no_cert.Trigger(golo_pb2.Context(jobName="noop"),
                                              metadata=bearer("trigger"), timeout=5))
    check("mTLS without a client certificate fails", code == grpc.StatusCode.UNAVAILABLE, code)
    with_cert = golo_pb2_grpc.JobStub(track(grpc.secure_channel(mtls_addr, grpc.ssl_channel_credentials(
        root_certificates=pem("ca.pem"), private_key=pem("client.key"),
        certificate_chain=pem("client.pem")))))
    r = with_cert.Trigger(golo_pb2.Context(jobName="noop"), metadata=bearer("trigger"), timeout=5)
    check("mTLS with a client certificate works", r.jobName == "noop", r)
finally:
    for c in channels:
        c.close()
    hosts.stop_all(checks)

checks.finish()
