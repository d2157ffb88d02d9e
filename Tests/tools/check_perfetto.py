"""Decode a SchedLab Perfetto trace with Perfetto's own schema (perfetto_trace_pb2, from the PyPI
package `perfetto`) and Google's protobuf runtime, and check it against the run's JSON result:

- every ftrace event has a CPU of the host, and each CPU's timestamps never go back;
- every thread in a sched_switch or sched_waking is in the process tree;
- each vCPU's running time, rebuilt from sched_switch events over the measured interval, matches
  the JSON's running_ns within 0.5% (or 0.1 ms for tiny values).

Usage: check_perfetto.py TRACE RESULT.json   (exit 0 and "ok ..." on success; 1 and the reasons)
"""
import json
import sys

from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb


def main(trace_path, json_path):
    result = json.load(open(json_path))
    trace = pb.Trace()
    trace.ParseFromString(open(trace_path, "rb").read())
    pcpus = result["host"]["pcpus"]
    start = result["warmup_ns"]
    end = result["duration_ns"]
    problems = []
    threads = {0}
    events = {cpu: [] for cpu in range(pcpus)}
    for packet in trace.packet:
        if packet.HasField("process_tree"):
            for t in packet.process_tree.threads:
                threads.add(t.tid)
        if packet.HasField("ftrace_events"):
            bundle = packet.ftrace_events
            if bundle.cpu >= pcpus:
                problems.append("ftrace bundle on cpu %d of %d" % (bundle.cpu, pcpus))
                continue
            for e in bundle.event:
                events[bundle.cpu].append(e)
    running = {}
    switches = 0
    for cpu, evs in events.items():
        last = -1
        current, since = None, 0
        for e in evs:
            if e.timestamp < last:
                problems.append("cpu %d: timestamp %d after %d" % (cpu, e.timestamp, last))
            last = e.timestamp
            if e.HasField("sched_waking"):
                if e.sched_waking.pid not in threads:
                    problems.append("waking of unknown thread %d" % e.sched_waking.pid)
            if e.HasField("sched_switch"):
                switches += 1
                s = e.sched_switch
                for pid in (s.prev_pid, s.next_pid):
                    if pid not in threads:
                        problems.append("switch of unknown thread %d" % pid)
                if current is not None and current != s.prev_pid:
                    problems.append("cpu %d: switch from %d while %d runs" % (cpu, s.prev_pid, current))
                if current:
                    lo, hi = max(since, start), min(e.timestamp, end)
                    if hi > lo:
                        running[current] = running.get(current, 0) + hi - lo
                current, since = s.next_pid, e.timestamp
        if current:
            lo = max(since, start)
            if end > lo:
                running[current] = running.get(current, 0) + end - lo
    # Threads in the order the writer numbers them: domain d is (d+1)*stride, vCPU i is +i+1.
    stride = 1000
    widest = max(len(d["vcpu_results"]) for d in result["domains"])
    while stride <= widest + 1:
        stride *= 10
    compared = 0
    for d, domain in enumerate(result["domains"]):
        for v in domain["vcpu_results"]:
            tid = (d + 1) * stride + v["vcpu"] + 1
            want = v["running_ns"]
            got = running.get(tid, 0)
            if abs(got - want) > max(0.005 * want, 100_000):
                problems.append("%s/v%d: running %d ns from the trace, %d in the result"
                                % (domain["name"], v["vcpu"], got, want))
            compared += 1
    if switches == 0:
        problems.append("no sched_switch events")
    if problems:
        print("\n".join(problems[:20]))
        return 1
    print("ok: %d packets, %d sched_switch, %d vCPUs match" % (len(trace.packet), switches, compared))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
