#!/usr/bin/python3
"""A client that is not golo's own: Python's grpcio, with stubs generated from
proto/golo.proto. Starts a real golo-host on a free port with the example
plugins (and a test plugin whose output is not UTF-8) and checks Job.Trigger,
Host.ListPlugins, Runner.Run's results and the error statuses.
Prints 'N passed, N failed' and exits non-zero on any failure."""
import argparse
import json
import os
import re
import shutil

from grpc_client_support import Checks, Hosts, fresh_work_dir, load_stubs  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--host-binary", required=True)
parser.add_argument("--proto", required=True)
parser.add_argument("--plugins", required=True)
parser.add_argument("--test-plugins", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()

fresh_work_dir(args.work)
grpc, golo_pb2, golo_pb2_grpc = load_stubs(args.proto, args.work)

plugins = os.path.join(args.work, "plugins")
os.makedirs(plugins)
for name in ("noop", "abi_tour"):
    shutil.copy(os.path.join(args.plugins, name + ".so"), plugins)
shutil.copy(os.path.join(args.test_plugins, "binary_output.so"), plugins)

hosts = Hosts(args.host_binary, args.work)
addr = hosts.start(plugins)
checks = Checks()
check = checks.check

try:
    channel = grpc.insecure_channel(addr)
    grpc.channel_ready_future(channel).result(timeout=10)
    job = golo_pb2_grpc.JobStub(channel)

    r = job.Trigger(golo_pb2.Context(jobName="noop"), timeout=10)
    check("noop jobName", r.jobName == "noop", r)
    check("noop error flag", r.error is False)
    check("noop duration", r.durationNanos > 0)

    r = job.Trigger(golo_pb2.Context(jobName="abi_tour"), timeout=10)
    check("abi_tour id is a v4 uuid",
          re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", r.id), r.id)
    keys = [t.key for t in r.tags]
    check("abi_tour tags", len(keys) >= 5, keys)

    try:
        job.Trigger(golo_pb2.Context(jobName="nope"), timeout=10)
        check("unknown job fails", False)
    except grpc.RpcError as e:
        check("unknown job is NOT_FOUND", e.code() == grpc.StatusCode.NOT_FOUND, e.code())
        check("NOT_FOUND names the jobs", "abi_tour, binary_output, noop" in e.details(), e.details())

    # Output that is not UTF-8: a readable message (protobuf's Python runtime
    # refuses a string field that is not UTF-8), repaired, marked, and the
    # exact bytes beside it.
    raw_output = b"caf\xc3\xa9 \xff\xfe end \xe2\x82"
    r = job.Trigger(golo_pb2.Context(jobName="binary_output"), timeout=10)
    check("non-UTF-8 output repaired", r.output == raw_output.decode("utf-8", "replace"), repr(r.output))
    check("non-UTF-8 output marked", r.outputNotUtf8 is True)
    check("non-UTF-8 exact bytes", r.outputBytes == raw_output, repr(r.outputBytes))
    check("non-UTF-8 tag repaired", [(t.key, t.value) for t in r.tags] == [("raw", "a\ufffdz")],
          r.tags)
    r = job.Trigger(golo_pb2.Context(jobName="noop"), timeout=10)
    check("UTF-8 output unmarked", r.outputNotUtf8 is False and r.outputBytes == b"")

    # The same output through a run: the error samples in resultsJson.
    runner = golo_pb2_grpc.RunnerStub(channel)
    schedule = "job:\n  name: binary_output\n  users: 1\n  pacing: 50ms\n  duration: 300ms\n"
    results = None
    for update in runner.Run(golo_pb2.RunRequest(scheduleYaml=schedule, scheduleFile="py.yaml"),
                             timeout=30):
        if update.WhichOneof("update") == "resultsJson":
            results = json.loads(update.resultsJson)
    check("run sent results", results is not None)
    if results is not None:
        samples = results["total"]["error_samples"]
        check("run error sample repaired",
              [s["text"] for s in samples] == [raw_output.decode("utf-8", "replace")], samples)

    # The go-lo field numbers are the contract: decode the raw bytes ourselves.
    raw = channel.unary_unary("/golo.Job/Trigger", request_serializer=lambda b: b,
                              response_deserializer=lambda b: b)
    body = raw(b"\x0a\x04noop", timeout=10)  # Context{jobName(1) = "noop"}
    check("field 2 is jobName", b"\x12\x04noop" in body, body)

    # Server reflection, spoken raw: ServerReflectionRequest{list_services(7) = ""}.
    reflect = channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                    request_serializer=lambda b: b, response_deserializer=lambda b: b)
    answer = b"".join(reflect(iter([b"\x3a\x00"]), timeout=10))
    for svc in (b"golo.Job", b"golo.Host", b"golo.Runner", b"grpc.health.v1.Health"):
        check("reflection lists " + svc.decode(), svc in answer, answer)

    hostsvc = golo_pb2_grpc.HostStub(channel)
    lst = hostsvc.ListPlugins(golo_pb2.ListPluginsRequest(), timeout=10)
    check("ListPlugins lists them", sorted(p.job for p in lst.plugins) == ["abi_tour", "binary_output", "noop"])
    check("ListPlugins abi version", all(p.abiVersion == 1 for p in lst.plugins))
finally:
    hosts.stop_all(checks)

checks.finish()
