import Foundation
import SchedLabCore
import SchedLabReport

/// What one bench case measured.
struct BenchFigures: Codable, Equatable {
  var name: String
  var pcpus = 0
  var vcpus = 0
  var simulatedS = 0.0
  var events: Int64 = 0
  /// Wall time of the whole case, start-up included.
  var wallS = 0.0
  /// Building the engine and its guests, up to the first event.
  var startupS = 0.0
  var peakRSSMB = 0.0
  /// Latency histograms at the end of the run, in MB: per vCPU, per domain, per workload.
  var histogramMB = [0.0, 0.0, 0.0]

  init(name: String) { self.name = name }

  var eventsPerS: Double { wallS > 0 ? Double(events) / wallS : 0 }
  var nsPerEvent: Double { events > 0 ? wallS * 1e9 / Double(events) : 0 }

  var jsonLine: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
  }

  init?(jsonLine: String) {
    guard let line = jsonLine.split(separator: "\n").last,
      let figures = try? JSONDecoder().decode(BenchFigures.self, from: Data(line.utf8))
    else { return nil }
    self = figures
  }

  /// Figure by figure, the median of the samples (the upper median for an even count).
  static func median(_ samples: [BenchFigures]) -> BenchFigures {
    func mid<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
    var m = samples[0]
    m.events = mid(samples.map(\.events))
    m.wallS = mid(samples.map(\.wallS))
    m.startupS = mid(samples.map(\.startupS))
    m.peakRSSMB = mid(samples.map(\.peakRSSMB))
    return m
  }

  static func render(_ rows: [BenchFigures], format: OutputFormat, runs: Int) -> String {
    switch format {
    case .json:
      var out = "{\n  \"format_version\": 1,\n  \"runs\": \(runs),\n  \"statistic\": \"median\",\n  \"cases\": ["
      for (i, r) in rows.enumerated() {
        out += i == 0 ? "\n" : ",\n"
        out +=
          "    {\"case\": \"\(r.name)\", \"pcpus\": \(r.pcpus), \"vcpus\": \(r.vcpus), "
          + "\"simulated_s\": \(Format.fixed(r.simulatedS, 0)), \"events\": \(r.events), "
          + "\"wall_s\": \(Format.fixed(r.wallS, 3)), \"events_per_s\": \(Int(r.eventsPerS)), "
          + "\"ns_per_event\": \(Format.fixed(r.nsPerEvent, 1)), \"startup_s\": \(Format.fixed(r.startupS, 3)), "
          + "\"peak_rss_mb\": \(Format.fixed(r.peakRSSMB, 1)), "
          + "\"histogram_mb\": {\"vcpus\": \(Format.fixed(r.histogramMB[0], 2)), "
          + "\"domains\": \(Format.fixed(r.histogramMB[1], 2)), \"workloads\": \(Format.fixed(r.histogramMB[2], 2))}}"
      }
      return out + "\n  ]\n}\n"
    case .csv:
      var out = "case,pcpus,vcpus,simulated_s,events,wall_s,events_per_s,ns_per_event,startup_s,peak_rss_mb\n"
      for r in rows {
        out +=
          "\(r.name),\(r.pcpus),\(r.vcpus),\(Format.fixed(r.simulatedS, 0)),\(r.events),\(Format.fixed(r.wallS, 3)),"
          + "\(Int(r.eventsPerS)),\(Format.fixed(r.nsPerEvent, 1)),\(Format.fixed(r.startupS, 3)),"
          + "\(Format.fixed(r.peakRSSMB, 1))\n"
      }
      return out
    case .table:
      var table = [
        ["case", "pCPUs", "vCPUs", "sim s", "events", "wall s", "events/s", "ns/event", "start s", "peak MB"]
      ]
      for r in rows {
        table.append([
          r.name, String(r.pcpus), String(r.vcpus), Format.fixed(r.simulatedS, 0), String(r.events),
          Format.fixed(r.wallS, 2), String(Int(r.eventsPerS)), Format.fixed(r.nsPerEvent, 0),
          Format.fixed(r.startupS, 3), Format.fixed(r.peakRSSMB, 1),
        ])
      }
      return Format.table(table, rightAligned: Set(1...9))
        + "\n(credit2; medians of \(runs) run\(runs == 1 ? "" : "s"))\n"
    }
  }
}
